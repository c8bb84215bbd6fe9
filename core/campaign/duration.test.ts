import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['3d', 259_200_000],
    ['1w', 604_800_000],
    ['1d12h', 129_600_000],
    ['250ms', 250],
    [' 5m ', 300_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '3', 'd', '3 days', '3x', '-1d', '1.5h', '3d junk'])('rejects %j with a clear message', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
    expect(() => parseDuration(text)).toThrow(/like 3d/);
  });
});

describe('formatDuration', () => {
  it('writes what a marketer would write', () => {
    expect(formatDuration(parseDuration('10d'))).toBe('10d');
    expect(formatDuration(parseDuration('2w'))).toBe('2w');
    expect(formatDuration(parseDuration('1d12h'))).toBe('1d12h');
    expect(formatDuration(30_000)).toBe('30s');
  });
});
