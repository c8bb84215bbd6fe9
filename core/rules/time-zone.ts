// IANA time zones, for leads and campaigns. Checked with Intl (deterministic, and available in
// the Temporal workflow sandbox, which imports this); cached because constructing an
// Intl.DateTimeFormat is slow and the simulator asks for the same few zones thousands of times.
const known = new Map<string, boolean>();

export const TIME_ZONE_MESSAGE = 'must be an IANA time zone such as Europe/Paris';

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
