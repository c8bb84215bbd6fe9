// Engagement events at the edge: the body of POST /webhooks/events, validated and
// normalised, and what an event means for global suppression.
import { z } from 'zod';
import { emailSchema, text, textProblem } from './lead.ts';

/** Types every campaign understands; campaigns may declare more (any lower-case slug). */
export const KNOWN_EVENT_TYPES = [
  'open',
  'click',
  'reply',
  'purchase',
  'demo_requested',
  'pricing_viewed',
  'unsubscribe',
  'bounce',
  'complaint',
] as const;
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*$/;
export const MAX_BATCH_EVENTS = 500;
export const MAX_EVENT_DATA_BYTES = 16 * 1024;
export const MAX_EVENT_DATA_DEPTH = 8;
const EARLIEST_OCCURRED_AT = Date.UTC(1970, 0, 1);
/** Senders' clocks drift; an event "from the future" beyond this is a bug on their side. */
const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

// A lead id is a UUID (the column is uuid): anything else can only be an unknown lead, and
// must not reach PostgreSQL as a cast error.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a JSON value cannot be stored as event data, or undefined when it can. */
export function jsonDataProblem(value: unknown, maxDepth = MAX_EVENT_DATA_DEPTH): string | undefined {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return problem;
    } else if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) return `must be nested at most ${maxDepth} levels deep`;
      for (const [k, child] of Object.entries(v)) {
        const problem = textProblem(k);
        if (problem) return problem;
        stack.push({ v: child, depth: depth + 1 });
      }
    }
  }
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > MAX_EVENT_DATA_BYTES) return `must be at most ${MAX_EVENT_DATA_BYTES} bytes of JSON`;
  return undefined;
}

const dataSchema = z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).superRefine((data, ctx) => {
  const problem = jsonDataProblem(data);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const engagementEventSchema = z
  .object(
    {
      type: z
        .string({ error: 'is required' })
        .max(64, 'must be at most 64 characters')
        .regex(
          EVENT_TYPE_PATTERN,
          `must be one of ${KNOWN_EVENT_TYPES.join(', ')} or a custom type (lower-case slug such as trial_started)`,
        ),
      email: emailSchema.optional(),
      leadId: z
        .string({ error: 'must be a string' })
        .regex(UUID, 'must be a lead id (UUID)')
        .transform((s) => s.toLowerCase())
        .optional(),
      eventId: text(200).min(1, 'must not be empty'),
      occurredAt: z.iso
        .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2025-01-31T12:00:00Z' })
        .transform((s) => new Date(s))
        .refine((d) => d.getTime() >= EARLIEST_OCCURRED_AT && d.getTime() <= Date.now() + MAX_CLOCK_SKEW_MS, {
          message: 'must be after 1970 and not more than a day in the future',
        })
        .transform((d) => d.toISOString())
        .optional(),
      data: dataSchema.optional(),
    },
    { error: 'must be a JSON object' },
  )
  // Checked even when other fields are wrong, so one answer lists every problem.
  .refine((e) => e.email !== undefined || e.leadId !== undefined, {
    path: ['email'],
    message: 'email or leadId is required',
    when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
  });

export type EngagementEventInput = z.infer<typeof engagementEventSchema>;

export const eventBatchSchema = z.object({
  events: z
    .array(z.unknown(), { error: 'must be an array of events' })
    .min(1, 'must hold at least one event')
    .max(MAX_BATCH_EVENTS, `must hold at most ${MAX_BATCH_EVENTS} events`),
});

/** A body with an `events` key is a batch; anything else is one event. */
export function isBatch(body: unknown): body is { events: unknown } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;
}

export type SuppressionReason = 'unsubscribed' | 'complained' | 'bounced';

const SOFT_BOUNCE = new Set(['soft', 'transient', 'temporary']);

/**
 * Whether an event puts its address on the global suppression list. A bounce is hard unless
 * its data says it is not: `kind` (the field campaigns match on, e.g. `where: { kind: hard }`)
 * or `bounceType` of soft|transient|temporary, or `permanent: false`. Unqualified bounces are
 * treated as hard: mailing a dead address again hurts deliverability for every lead.
 */
export function suppressionFor(type: string, data: Record<string, unknown> | undefined): SuppressionReason | undefined {
  if (type === 'unsubscribe') return 'unsubscribed';
  if (type === 'complaint') return 'complained';
  if (type === 'bounce') {
    const soft = [data?.kind, data?.bounceType].some((v) => typeof v === 'string' && SOFT_BOUNCE.has(v.toLowerCase()));
    if (soft || data?.permanent === false) return undefined;
    return 'bounced';
  }
  return undefined;
}
