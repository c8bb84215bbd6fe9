// IANA time zone check, cached because constructing Intl.DateTimeFormat is slow and the
// simulator asks for the same few zones thousands of times.
const known = new Map<string, boolean>();

export function isValidTimeZone(tz: string): boolean {
  let ok = known.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    known.set(tz, ok);
  }
  return ok;
}
