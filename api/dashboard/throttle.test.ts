import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './throttle.ts';

describe('login throttle', () => {
  it('refuses an address after `limit` failures in the window, until the oldest leaves it', () => {
    const t = new LoginThrottle({ limit: 3, windowMs: 60_000 });
    const t0 = 1_000_000;
    t.fail('1.2.3.4', t0);
    t.fail('1.2.3.4', t0 + 10_000);
    expect(t.retryAfter('1.2.3.4', t0 + 10_000)).toBe(0);
    t.fail('1.2.3.4', t0 + 20_000);
    expect(t.retryAfter('1.2.3.4', t0 + 20_000)).toBe(40);
    expect(t.retryAfter('5.6.7.8', t0 + 20_000)).toBe(0);
    expect(t.retryAfter('1.2.3.4', t0 + 59_999)).toBe(1);
    expect(t.retryAfter('1.2.3.4', t0 + 60_000)).toBe(0);
  });

  it('forgets an address on success, and keeps at most maxKeys addresses', () => {
    const t = new LoginThrottle({ limit: 1, windowMs: 60_000, maxKeys: 2 });
    t.fail('a', 0);
    expect(t.retryAfter('a', 1)).toBe(60);
    t.succeed('a');
    expect(t.retryAfter('a', 1)).toBe(0);
    t.fail('a', 0);
    t.fail('b', 1);
    t.fail('c', 2);
    expect(t.retryAfter('a', 3)).toBe(0);
    expect(t.retryAfter('c', 3)).toBe(60);
  });
});
