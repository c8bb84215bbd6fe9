// The edge rules as zod schemas, built once: the campaign file schema, the webhook bodies, the
// admin API, the dashboard and the CLI all validate with these.
import { z } from 'zod';
import { CAMPAIGN_ID_MAX_LENGTH, CAMPAIGN_ID_MESSAGE, CAMPAIGN_ID_PATTERN } from './campaign-id.ts';
import { EMAIL_MAX_LENGTH, EMAIL_MESSAGE, normalizeEmail } from './email.ts';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_MESSAGE, EVENT_TYPE_PATTERN } from './event-type.ts';
import { LEAD_ID_MESSAGE, LEAD_ID_PATTERN } from './lead-id.ts';
import { hasNoNul, isWellFormed, NUL_PROBLEM, SURROGATE_PROBLEM } from './text.ts';
import { isValidTimeZone, TIME_ZONE_MESSAGE } from './time-zone.ts';

const string = () => z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') });

/** A string of at most `max` characters that PostgreSQL can store. */
export function text(max: number) {
  return string()
    .max(max, `must be at most ${max} characters`)
    .refine(hasNoNul, NUL_PROBLEM)
    .refine(isWellFormed, SURROGATE_PROBLEM);
}

/** An address as people type it; the value is its stored spelling (normalizeEmail). */
export const emailSchema = z
  .string({ error: 'is required' })
  .trim()
  .max(EMAIL_MAX_LENGTH, `must be at most ${EMAIL_MAX_LENGTH} characters`)
  .pipe(z.email({ error: EMAIL_MESSAGE }))
  .transform(normalizeEmail);

export const campaignIdSchema = string()
  .max(CAMPAIGN_ID_MAX_LENGTH, `must be at most ${CAMPAIGN_ID_MAX_LENGTH} characters`)
  .regex(CAMPAIGN_ID_PATTERN, CAMPAIGN_ID_MESSAGE);

export const eventTypeSchema = string()
  .max(EVENT_TYPE_MAX_LENGTH, `must be at most ${EVENT_TYPE_MAX_LENGTH} characters`)
  .regex(EVENT_TYPE_PATTERN, EVENT_TYPE_MESSAGE);

/** A lead id as given; the value is lower-cased, as stored. */
export const leadIdSchema = string()
  .regex(LEAD_ID_PATTERN, LEAD_ID_MESSAGE)
  .transform((s) => s.toLowerCase());

export const timeZoneSchema = string().refine(isValidTimeZone, TIME_ZONE_MESSAGE);

/** zod issues as `{ field, problem }` pairs, for a 400 body or a CLI message. */
export function describeIssues(error: z.ZodError): Array<{ field: string; problem: string }> {
  return error.issues.map((i) => ({ field: i.path.join('.') || '(body)', problem: i.message }));
}
