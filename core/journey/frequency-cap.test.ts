import { describe, expect, it } from 'vitest';
import { capRetryAt } from './frequency-cap.ts';

describe('capRetryAt', () => {
  const cap = { max: 2, perMs: 1000 };
  it('lets a send through under the cap', () => {
    expect(capRetryAt([], cap, 10_000)).toBeUndefined();
    expect(capRetryAt([9_500], cap, 10_000)).toBeUndefined();
    expect(capRetryAt([8_000, 9_500, 8_999], cap, 10_000)).toBeUndefined(); // two are outside the window
  });
  it('at the cap, retries when the oldest counted send leaves the window', () => {
    expect(capRetryAt([9_800, 9_200], cap, 10_000)).toBe(10_200);
  });
  it('over the cap, retries when enough have left that one more fits', () => {
    expect(capRetryAt([9_900, 9_100, 9_500, 9_300], cap, 10_000)).toBe(10_500);
    // and at that moment it really fits
    expect(capRetryAt([9_900, 9_100, 9_500, 9_300], cap, 10_500)).toBeUndefined();
  });
});
