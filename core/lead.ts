// What a lead is at the edge: the signup webhook's body, validated and normalised.
import { z } from 'zod';

/** Trims and lower-cases the domain; the local part is kept as given (RFC 5321). */
export function normalizeEmail(raw: string): string {
  const trimmed = raw.trim();
  const at = trimmed.lastIndexOf('@');
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

// PostgreSQL text and jsonb cannot hold U+0000, and a lone UTF-16 surrogate is not text at all
// (the database layer refuses it): refuse both at the edge rather than fail later.
const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const noNul = (s: string) => !s.includes(NUL);
export const wellFormed = (s: string) => !LONE_SURROGATE.test(s);
/** Why a string cannot be stored, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  if (!noNul(s)) return 'must not contain NUL characters';
  if (!wellFormed(s)) return 'must be valid Unicode (no lone surrogates)';
  return undefined;
}

/** A string of at most `max` characters, without NUL. */
export function text(max: number) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
    .max(max, `must be at most ${max} characters`)
    .refine(noNul, 'must not contain NUL characters')
    .refine(wellFormed, 'must be valid Unicode (no lone surrogates)');
}

export const emailSchema = z
  .string({ error: 'is required' })
  .trim()
  .max(320, 'must be at most 320 characters')
  .pipe(z.email({ error: 'must be an email address' }))
  .transform(normalizeEmail);

const name = text(200).trim().min(1, 'must not be empty');

export const timezoneSchema = z.string({ error: 'must be a string' }).refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Paris');

export const campaignIdSchema = z
  .string({ error: 'must be a string' })
  .max(100, 'must be at most 100 characters')
  .regex(/^[a-z0-9][a-z0-9-_]*$/, 'must be a campaign id (lower-case letters, digits, - and _)');

export const consentSchema = z.object(
  {
    given: z.boolean({ error: 'must be true or false' }),
    at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
    text: text(5000).optional(),
    method: text(200).optional(),
  },
  { error: 'must be an object' },
);

export const signupSchema = z.object(
  {
    email: emailSchema,
    firstName: name.optional(),
    lastName: name.optional(),
    company: name.optional(),
    timezone: timezoneSchema.optional(),
    source: text(200).trim().optional(),
    campaign: campaignIdSchema.optional(),
    properties: z
      .record(
        text(100).min(1, 'keys must not be empty'),
        z.union([text(2000), z.number(), z.boolean()], { error: 'must be a string, a finite number or a boolean' }),
        { error: 'must be a flat object of strings, numbers and booleans' },
      )
      .refine((p) => Object.keys(p).length <= 100, 'must have at most 100 keys')
      .optional(),
    consent: consentSchema.optional(),
    // The sender's id for this signup: a repeated delivery answers 200 { duplicate: true }.
    eventId: text(200).min(1, 'must not be empty').optional(),
  },
  { error: 'must be a JSON object' },
);

export type Signup = z.infer<typeof signupSchema>;

/** zod issues as `{ field, problem }` pairs for a 400 body. */
export function describeIssues(error: z.ZodError): Array<{ field: string; problem: string }> {
  return error.issues.map((i) => ({ field: i.path.join('.') || '(body)', problem: i.message }));
}
