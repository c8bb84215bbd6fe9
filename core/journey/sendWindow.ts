// Send windows are wall-clock rules ("weekdays 9 to 5") in the lead's own time zone. Computed
// with Intl.DateTimeFormat, which is deterministic and available in the Temporal workflow
// sandbox, so no time zone library is bundled into workflows.
import type { SendWindow, Weekday } from '../campaign/schema.ts';
import { isValidTimeZone } from '../campaign/timezone.ts';

const DAY_MS = 86_400_000;
const WEEKDAY_BY_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export type LocalTime = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: Weekday;
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time at instant t in timeZone. */
export function localTime(t: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(t)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const year = parts.year ?? 1970;
  const month = parts.month ?? 1;
  const day = parts.day ?? 1;
  const weekday = WEEKDAY_BY_UTC_DAY[new Date(Date.UTC(year, month - 1, day)).getUTCDay()] ?? 'sun';
  return { year, month, day, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0, weekday };
}

// How far the zone's wall clock is ahead of UTC at instant t (whole seconds are enough).
function offsetAt(t: number, timeZone: string): number {
  const l = localTime(t, timeZone);
  const wall = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return wall - (t - (((t % 1000) + 1000) % 1000));
}

/**
 * The instant the wall clock in timeZone reads the given date and minute of day. In a DST
 * gap (the time does not exist) it returns the first instant after the gap; in an overlap
 * (the time happens twice) the earlier one.
 */
export function zonedTime(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  const valid = [first, second].filter((t) => t + offsetAt(t, timeZone) === wall);
  return valid.length > 0 ? Math.min(...valid) : Math.max(first, second);
}

/** The lead's own zone when it is a real IANA zone, else the campaign's. */
export function effectiveTimeZone(leadZone: string | undefined, campaignZone: string): string {
  return leadZone !== undefined && isValidTimeZone(leadZone) ? leadZone : campaignZone;
}

/** t itself when t is inside the window, else the start of the next allowed window. */
export function nextSendTime(t: number, window: SendWindow, timeZone: string): number {
  const { from, to } = window.hours;
  const now = localTime(t, timeZone);
  const minute = now.hour * 60 + now.minute;
  if (window.days.includes(now.weekday) && minute >= from && minute < to) return t;
  // Eight days covers "today is the only allowed weekday and its window has passed".
  for (let d = 0; d <= 8; d++) {
    const date = new Date(Date.UTC(now.year, now.month - 1, now.day) + d * DAY_MS);
    const weekday = WEEKDAY_BY_UTC_DAY[date.getUTCDay()] ?? 'sun';
    if (!window.days.includes(weekday)) continue;
    const start = zonedTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), from, timeZone);
    if (start > t) return start;
  }
  throw new Error(`send window ${JSON.stringify(window)} has no allowed time`);
}
