// What a lead is at the edge: the signup webhook's body, validated and normalised.
import { z } from 'zod';

/** Trims and lower-cases the domain; the local part is kept as given (RFC 5321). */
export function normalizeEmail(raw: string): string {
  const trimmed = raw.trim();
  const at = trimmed.lastIndexOf('@');
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

const name = z.string().trim().min(1).max(200);

export const signupSchema = z.object({
  email: z
    .string({ error: 'is required' })
    .trim()
    .max(320)
    .pipe(z.email({ error: 'must be an email address' }))
    .transform(normalizeEmail),
  firstName: name.optional(),
  lastName: name.optional(),
  company: name.optional(),
  timezone: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/Paris')
    .optional(),
  source: z.string().trim().max(200).optional(),
  campaign: z.string().regex(/^[a-z0-9][a-z0-9-_]*$/, 'must be a campaign id').optional(),
  properties: z.record(z.string().max(100), z.union([z.string().max(2000), z.number(), z.boolean()])).optional(),
  consent: z
    .object({
      given: z.boolean(),
      at: z.iso.datetime().optional(),
      text: z.string().max(5000).optional(),
      method: z.string().max(200).optional(),
    })
    .optional(),
  eventId: z.string().min(1).max(200).optional(),
});

export type Signup = z.infer<typeof signupSchema>;

/** zod issues as `{ field, problem }` pairs for a 400 body. */
export function describeIssues(error: z.ZodError): Array<{ field: string; problem: string }> {
  return error.issues.map((i) => ({ field: i.path.join('.') || '(body)', problem: i.message }));
}
