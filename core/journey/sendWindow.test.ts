import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SendWindow } from '../campaign/schema.ts';
import { effectiveTimeZone, localTime, nextSendTime, zonedTime } from './sendWindow.ts';

const WEEKDAYS_9_TO_5: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: { from: 9 * 60, to: 17 * 60 } };
const EVERY_DAY_9_TO_5: SendWindow = { ...WEEKDAYS_9_TO_5, days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] };
const at = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

describe('nextSendTime', () => {
  it('sends at once inside the window', () => {
    const t = at('2025-01-07T10:30:00Z'); // Tuesday 11:30 in Berlin
    expect(nextSendTime(t, WEEKDAYS_9_TO_5, 'Europe/Berlin')).toBe(t);
  });

  it('waits for the morning when it is too early', () => {
    expect(iso(nextSendTime(at('2025-01-07T05:00:00Z'), WEEKDAYS_9_TO_5, 'Europe/Berlin'))).toBe('2025-01-07T08:00:00.000Z');
  });

  it('skips the weekend: Friday evening goes out Monday at 9', () => {
    expect(iso(nextSendTime(at('2025-01-10T16:30:00Z'), WEEKDAYS_9_TO_5, 'Europe/Berlin'))).toBe('2025-01-13T08:00:00.000Z');
    expect(iso(nextSendTime(at('2025-01-11T12:00:00Z'), WEEKDAYS_9_TO_5, 'Europe/Berlin'))).toBe('2025-01-13T08:00:00.000Z');
  });

  it('treats the end hour as closed', () => {
    expect(iso(nextSendTime(at('2025-01-07T16:00:00Z'), WEEKDAYS_9_TO_5, 'Europe/Berlin'))).toBe('2025-01-08T08:00:00.000Z');
  });

  it("uses the lead's own date, not UTC's: Sunday night UTC is Monday morning in Tokyo", () => {
    // 23:00Z Sunday = 08:00 Monday JST -> 09:00 JST = 00:00Z Monday.
    expect(iso(nextSendTime(at('2025-01-12T23:00:00Z'), WEEKDAYS_9_TO_5, 'Asia/Tokyo'))).toBe('2025-01-13T00:00:00.000Z');
  });

  it('keeps 9am local across the spring-forward change (New York, 9 March 2025)', () => {
    const sat = nextSendTime(at('2025-03-08T23:00:00Z'), EVERY_DAY_9_TO_5, 'America/New_York');
    expect(iso(sat)).toBe('2025-03-09T13:00:00.000Z'); // 09:00 EDT, not 14:00Z
  });

  it('keeps 9am local across the fall-back change (New York, 2 November 2025)', () => {
    const t = nextSendTime(at('2025-11-01T22:00:00Z'), EVERY_DAY_9_TO_5, 'America/New_York');
    expect(iso(t)).toBe('2025-11-02T14:00:00.000Z'); // 09:00 EST
  });

  it('lands after a DST gap when the window opens inside it', () => {
    const w: SendWindow = { days: EVERY_DAY_9_TO_5.days, hours: { from: 150, to: 600 } }; // 02:30-10:00
    const t = nextSendTime(at('2025-03-09T05:00:00Z'), w, 'America/New_York'); // 00:00 EST
    expect(iso(t)).toBe('2025-03-09T07:30:00.000Z'); // 03:30 EDT: 02:30 does not exist that day
  });

  it('finds the next week when the only day has passed', () => {
    const w: SendWindow = { days: ['wed'], hours: { from: 600, to: 660 } };
    expect(iso(nextSendTime(at('2025-01-08T12:00:00Z'), w, 'UTC'))).toBe('2025-01-15T10:00:00.000Z');
  });

  it('always returns a time inside the window, and the earliest such time', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];
    fc.assert(
      fc.property(
        fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.subarray(EVERY_DAY_9_TO_5.days, { minLength: 1 }),
        fc.integer({ min: 0, max: 22 }),
        fc.integer({ min: 1, max: 10 }),
        (t, zone, days, fromHour, length) => {
          const w: SendWindow = { days, hours: { from: fromHour * 60, to: Math.min(24, fromHour + length) * 60 } };
          const next = nextSendTime(t, w, zone);
          expect(next).toBeGreaterThanOrEqual(t);
          const l = localTime(next, zone);
          expect(days).toContain(l.weekday);
          const minute = l.hour * 60 + l.minute;
          expect(minute).toBeGreaterThanOrEqual(w.hours.from);
          expect(minute).toBeLessThan(w.hours.to);
          // At once exactly when t itself is inside the window.
          const lt = localTime(t, zone);
          const inside =
            days.includes(lt.weekday) && lt.hour * 60 + lt.minute >= w.hours.from && lt.hour * 60 + lt.minute < w.hours.to;
          expect(next === t, `t ${iso(t)} inside: ${inside}, next ${iso(next)}`).toBe(inside);
          // The earliest: a minute earlier (when that is still after t) is not inside the window,
          // so asking from there gives the same answer. When the answer is t itself, t is in.
          const earlier = Math.max(t, next - 60_000);
          expect(nextSendTime(earlier, w, zone)).toBe(next);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('time zones', () => {
  it("falls back to the campaign's zone when the lead has none or a bad one", () => {
    expect(effectiveTimeZone('Asia/Tokyo', 'Europe/Berlin')).toBe('Asia/Tokyo');
    expect(effectiveTimeZone(undefined, 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(effectiveTimeZone('Mars/Olympus', 'Europe/Berlin')).toBe('Europe/Berlin');
  });

  it('converts wall-clock times to instants', () => {
    expect(iso(zonedTime(2025, 7, 1, 9 * 60, 'Europe/Berlin'))).toBe('2025-07-01T07:00:00.000Z');
    expect(iso(zonedTime(2025, 1, 1, 9 * 60, 'Europe/Berlin'))).toBe('2025-01-01T08:00:00.000Z');
    expect(iso(zonedTime(2025, 1, 1, 9 * 60 + 30, 'Asia/Kolkata'))).toBe('2025-01-01T04:00:00.000Z');
  });
});
