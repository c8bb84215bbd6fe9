// Failed sign-ins per client address: after `limit` wrong admin tokens within `windowMs`, every
// further attempt from that address is refused (429 + Retry-After) until the oldest of those
// failures leaves the window, even with the right token, so guessing gains nothing by
// getting lucky. A successful sign-in clears the address's count.
//
// Kept in memory, per API process: a restart forgets, and N processes allow N × limit. That is
// a brake on guessing a long random token, not the only defence (the token is the defence);
// the per-IP rate limit on public paths sits in front of it. Bounded: at most `maxKeys`
// addresses are tracked (the least recently failed are forgotten first).
export interface LoginThrottleOptions {
  limit?: number;
  windowMs?: number;
  maxKeys?: number;
}

export class LoginThrottle {
  readonly limit: number;
  readonly windowMs: number;
  private readonly maxKeys: number;
  /** Failure times per key, oldest first; Map order = least recently failed first. */
  private readonly failures = new Map<string, number[]>();

  constructor(opts: LoginThrottleOptions = {}) {
    this.limit = opts.limit ?? 10;
    this.windowMs = opts.windowMs ?? 15 * 60_000;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length) this.failures.set(key, times);
    else this.failures.delete(key);
    return times;
  }

  /** Seconds to wait before `key` may try again, or 0 when it may try now. */
  retryAfter(key: string, now = Date.now()): number {
    const times = this.recent(key, now);
    if (times.length < this.limit) return 0;
    return Math.max(1, Math.ceil((times[times.length - this.limit]! + this.windowMs - now) / 1000));
  }

  fail(key: string, now = Date.now()): void {
    const times = this.recent(key, now);
    this.failures.delete(key);
    this.failures.set(key, [...times, now].slice(-this.limit));
    while (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }
}
