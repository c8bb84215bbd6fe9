// What a lead is: the signup webhook's body, validated and normalised at the edge, and the
// snapshot of a lead that a journey carries.
import { z } from 'zod';
import { campaignIdSchema, emailSchema, text, timeZoneSchema } from './rules/schemas.ts';

type LeadPropertyValue = string | number | boolean;

/** The lead as a journey knows it: its workflow input, and what templates are rendered for. */
export interface LeadSnapshot {
  id: string;
  email: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  timezone?: string;
  properties: Record<string, LeadPropertyValue>;
}

/** The columns of a stored lead that a snapshot is made from (nullable as in the database). */
export interface StoredLead {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  timezone: string | null;
  properties: unknown;
}

/** A lead as stored (columns may be null) in the shape a journey and a template see. */
export function leadSnapshotOf(row: StoredLead): LeadSnapshot {
  return {
    id: row.id,
    email: row.email,
    ...(row.firstName !== null ? { firstName: row.firstName } : {}),
    ...(row.lastName !== null ? { lastName: row.lastName } : {}),
    ...(row.company !== null ? { company: row.company } : {}),
    ...(row.timezone !== null ? { timezone: row.timezone } : {}),
    properties: (row.properties ?? {}) as LeadSnapshot['properties'],
  };
}

const name = text(200).trim().min(1, 'must not be empty');

const consentSchema = z.object(
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
    timezone: timeZoneSchema.optional(),
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

/**
 * A made-up lead for previews and simulations (CLI `--lead`, the dashboard's sample lead): any
 * field may be left out, so a marketer can see what a template or journey does without it.
 */
export const sampleLeadSchema = z
  .object({
    id: z.string().optional(),
    email: emailSchema.optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    company: z.string().optional(),
    timezone: z.string().optional(),
    properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();
export type SampleLead = z.infer<typeof sampleLeadSchema>;
