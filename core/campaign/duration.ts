// Durations as marketers write them in campaign files: `30s`, `10m`, `2h`, `3d`, `1w`, or a
// combination such as `1d12h`. Kept free of zod and Node APIs because the simulator and the
// workflow bundle import it.

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

type Unit = keyof typeof UNIT_MS;

const PART = /(\d+)(ms|s|m|h|d|w)/y;

export class DurationError extends Error {
  constructor(input: string) {
    super(`"${input}" is not a duration; write a number and a unit (s, m, h, d, w) like 3d or 1d12h`);
    this.name = 'DurationError';
  }
}

/** Parses `3d`, `90m`, `1d12h` into milliseconds. Throws DurationError on anything else. */
export function parseDuration(input: string): number {
  const text = input.trim();
  if (text === '') throw new DurationError(input);
  let total = 0;
  let at = 0;
  while (at < text.length) {
    PART.lastIndex = at;
    const m = PART.exec(text);
    if (!m) throw new DurationError(input);
    total += Number(m[1]) * UNIT_MS[m[2] as Unit];
    at = PART.lastIndex;
  }
  if (!Number.isSafeInteger(total)) throw new DurationError(input);
  return total;
}

/** Renders milliseconds back as the shortest campaign-file duration, e.g. 129600000 -> `1d12h`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  // Weeks only when exact: "10d" reads better than "1w3d".
  if (rest % UNIT_MS.w === 0) return `${rest / UNIT_MS.w}w`;
  const parts: string[] = [];
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit];
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return parts.join('');
}
