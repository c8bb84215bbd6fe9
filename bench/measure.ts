// Small measuring tools: bounded concurrency, waiting for a count with a stall guard,
// percentiles.

/** Aborted on Ctrl-C: loops stop starting new work while the stack is torn down. */
export const stopping = new AbortController();

/** Runs fn(0..n-1) with at most `concurrency` calls in flight. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const lane = async () => {
    while (next < n && failed === undefined) {
      if (stopping.signal.aborted) {
        failed = new Error('interrupted');
        break;
      }
      const i = next++;
      try {
        await fn(i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  if (failed !== undefined) throw failed;
}

/**
 * Polls `count` until it reaches `target`. Fails when the count has not moved for `stallMs`
 * (something is stuck: say what was reached) or when `aborted` returns an error.
 */
export async function waitForCount(
  what: string,
  count: () => Promise<number> | number,
  target: number,
  opts: { stallMs?: number; everyMs?: number; aborted?: () => unknown } = {},
): Promise<void> {
  const stallMs = opts.stallMs ?? 60_000;
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    if (stopping.signal.aborted) throw new Error('interrupted');
    const reason = opts.aborted?.();
    if (reason) throw reason;
    const now = await count();
    if (now >= target) return;
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`${what}: stuck at ${now} of ${target} for ${Math.round(stallMs / 1000)} s`);
    }
    await sleep(opts.everyMs ?? 20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
