// Query parameters shared by the dashboard pages, the JSON API and the CLI report: campaign
// id and period, validated with zod so a bad value is a 400 naming the field.
import { z } from 'zod';

export const DEFAULT_PERIOD_DAYS = 90;
const DAY_MS = 86_400_000;

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;
const instant = z
  .string()
  .trim()
  .refine(
    (v) => (dateOnly.test(v) || /^\d{4}-\d{2}-\d{2}T/.test(v)) && !Number.isNaN(Date.parse(v)),
    'must be a date like 2025-01-31 or an ISO time',
  );

export const campaignId = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'must be a campaign id');

// An emptied form field arrives as `from=`: the same as not given.
const blankIsAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const periodSchema = z.object({
  campaign: blankIsAbsent(campaignId),
  from: blankIsAbsent(instant),
  to: blankIsAbsent(instant),
});

export interface Period {
  from: Date;
  to: Date;
}

/**
 * `to` given as a day includes that whole day. Without `to`, the period ends at the next full
 * minute, so that two loads within a minute ask PostgreSQL the same question.
 */
export function resolvePeriod(q: { from?: string; to?: string }, now = Date.now(), defaultDays = DEFAULT_PERIOD_DAYS): Period {
  const to = q.to ? new Date(Date.parse(q.to) + (dateOnly.test(q.to) ? DAY_MS : 0)) : new Date(Math.ceil(now / 60_000) * 60_000);
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - defaultDays * DAY_MS);
  if (from >= to) throw new BadParams([{ field: 'from', problem: 'must be before to' }]);
  return { from, to };
}

/** `2025-01-31` for a date input's value. */
export const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** The inclusive last day of a period whose `to` is exclusive. */
export const lastDayOf = (p: Period) => dayOf(new Date(p.to.getTime() - 1));

/** statusCode and code: the server's error handler answers 400 with this message. */
export class BadParams extends Error {
  readonly statusCode = 400;
  readonly code = 'invalid_request';
  constructor(readonly issues: Array<{ field: string; problem: string }>) {
    super(issues.map((i) => `${i.field}: ${i.problem}`).join('; '));
  }
}

export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw new BadParams(r.error.issues.map((i) => ({ field: i.path.join('.') || '(query)', problem: i.message })));
  return r.data;
}
