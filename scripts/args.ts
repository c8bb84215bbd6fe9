// Command-line numbers for the scripts (`npm run bench`, `npm run chaos`): a bad value stops
// the script with a message naming the flag, exit code 2.

/** `raw` (or `fallback` when absent) as a whole number of at least `min`. */
export function wholeNumberArg(name: string, raw: string | undefined, fallback: number, min: number): number {
  const v = Number(raw ?? fallback);
  if (!Number.isInteger(v) || v < min) {
    console.error(`--${name}: must be a whole number of at least ${min} (got ${raw})`);
    process.exit(2);
  }
  return v;
}
