// The campaign file format, validated with zod. A parsed Campaign is plain JSON (durations
// already in milliseconds) so it can travel as Temporal workflow input and be interpreted
// without re-parsing; journey code imports only the types from here, never zod itself.
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { findStepPath, walkSteps, type StepPath } from './steps.ts';
import { isValidTimeZone } from './timezone.ts';

export { parseDuration, formatDuration, DurationError } from './duration.ts';
export { isValidTimeZone } from './timezone.ts';
export { findStepPath, walkSteps } from './steps.ts';

export type Scalar = string | number | boolean;
/** Event data must match every key: equal to the value, or one of the values in a list. */
export type Filter = Record<string, Scalar | Scalar[]>;
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export type SalesTarget = { webhook?: string; email?: string };

export type ScoreTest = { gte?: number; gt?: number; lte?: number; lt?: number; eq?: number };
export type PropertyTest = { name: string; equals?: Scalar; in?: Scalar[]; exists?: boolean };
/** Every test given must hold. */
export type Condition = { score?: ScoreTest; property?: PropertyTest };

type StepBase = { id?: string };
/** `anytime`: goes out at once, outside the send window (a welcome the lead is waiting for). */
export type SendStep = StepBase & { kind: 'send'; send: string; anytime?: boolean };
export type WaitStep = StepBase & { kind: 'wait'; wait: number };
/** `within: null` waits for engagement with no timeout (the stall rule still applies). */
export type WaitForStep = StepBase & {
  kind: 'waitFor';
  waitFor: string[];
  where?: Filter;
  within: number | null;
  then: Step[];
  otherwise: Step[];
};
export type GotoStep = StepBase & { kind: 'goto'; goto: string };
export type IfStep = StepBase & { kind: 'if'; if: Condition; then: Step[]; else: Step[] };
export type DiscountStep = StepBase & { kind: 'discount'; discount: { percent: number; validFor: number } };
export type NotifySalesStep = StepBase & { kind: 'notifySales'; notifySales: SalesTarget & { reason?: string } };
export type FlagStep = StepBase & { kind: 'flag'; flag: string };
export type ExitStep = StepBase & { kind: 'exit'; exit: string };
export type Step = SendStep | WaitStep | WaitForStep | GotoStep | IfStep | DiscountStep | NotifySalesStep | FlagStep | ExitStep;
export type StepKind = Step['kind'];

export const STEP_KINDS = ['send', 'wait', 'waitFor', 'goto', 'if', 'discount', 'notifySales', 'flag', 'exit'] as const;
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const NAME = /^[a-z][a-z0-9_-]*$/i;

// Every duration in the file goes through here so the message is the same everywhere.
const duration = z.string({ error: 'must be a duration like 3d' }).transform((text, ctx) => {
  try {
    const ms = parseDuration(text);
    if (ms > 0) return ms;
  } catch {
    // fall through to the issue below
  }
  ctx.addIssue({ code: 'custom', message: 'must be a duration like 3d' });
  return z.NEVER;
});

const stageName = z.string().regex(NAME, 'must be a stage name: a letter, then letters, digits, - or _');
const stepId = z.string().regex(NAME, 'must be a step id: a letter, then letters, digits, - or _');
const eventType = z.string().regex(/^[a-z][a-z0-9_.-]*$/i, 'must be an event type like click or pricing_viewed');
const eventTypes = z
  .union([eventType, z.array(eventType).min(1)], { error: 'must be an event type or a list of them' })
  .transform((v) => (Array.isArray(v) ? v : [v]));
const templateId = z.string().regex(/^[a-z0-9][a-z0-9._/-]*$/i, 'must be a template id like welcome or case-study');
const reason = z.string().min(1, 'must say why');
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const filter = z.record(z.string(), z.union([scalar, z.array(scalar)]), {
  error: 'must map event data fields to a value, e.g. { link: "https://example.com/pricing" }',
});

// Any http(s) URL, including localhost and IP addresses (a local receiver in development).
const webhookUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const salesTarget = z
  .object({
    webhook: webhookUrl.optional(),
    email: z.email('must be an email address').optional(),
  })
  .strict()
  .refine((t) => t.webhook !== undefined || t.email !== undefined, 'needs a webhook URL or an email address');

const scoreTest = z
  .object({ gte: z.number(), gt: z.number(), lte: z.number(), lt: z.number(), eq: z.number() })
  .partial()
  .strict()
  .refine((t) => Object.keys(t).length > 0, 'needs one of gte, gt, lte, lt, eq');
const propertyTest = z
  .object({ name: z.string().min(1), equals: scalar.optional(), in: z.array(scalar).optional(), exists: z.boolean().optional() })
  .strict();
const condition = z
  .object({ score: scoreTest.optional(), property: propertyTest.optional() })
  .strict()
  .refine((c) => c.score !== undefined || c.property !== undefined, 'needs a score or a property test');

const id = stepId.optional();
// The step key that names the kind is found first (see withKind), so each kind can be a
// strict object and a typo such as `withn:` is reported instead of silently ignored.
const stepSchema: z.ZodType<Step, unknown> = z.lazy(() =>
  z.preprocess(
    withKind,
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('send'), id, send: templateId, anytime: z.boolean().optional() }).strict(),
      z.object({ kind: z.literal('wait'), id, wait: duration }).strict(),
      z
        .object({
          kind: z.literal('waitFor'),
          id,
          waitFor: eventTypes,
          where: filter.optional(),
          within: duration.nullable().default(null),
          then: steps.default([]),
          otherwise: steps.default([]),
        })
        .strict(),
      z.object({ kind: z.literal('goto'), id, goto: stageName }).strict(),
      z.object({ kind: z.literal('if'), id, if: condition, then: steps.default([]), else: steps.default([]) }).strict(),
      z
        .object({
          kind: z.literal('discount'),
          id,
          discount: z
            .object({ percent: z.number().int('must be a whole number of percent').min(1).max(100), validFor: duration })
            .strict(),
        })
        .strict(),
      z
        .object({
          kind: z.literal('notifySales'),
          id,
          notifySales: z
            .object({
              webhook: webhookUrl.optional(),
              email: z.email('must be an email address').optional(),
              reason: reason.optional(),
            })
            .strict()
            .refine((t) => t.webhook !== undefined || t.email !== undefined, 'needs a webhook URL or an email address'),
        })
        .strict(),
      z.object({ kind: z.literal('flag'), id, flag: reason }).strict(),
      z.object({ kind: z.literal('exit'), id, exit: reason }).strict(),
    ]),
  ),
);
const steps: z.ZodType<Step[], unknown> = z.lazy(() => z.array(stepSchema, { error: 'must be a list of steps' }));

function withKind(raw: unknown, ctx: z.core.$RefinementCtx): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const found = STEP_KINDS.filter((k) => k in raw);
  if (found.length === 1) return { ...raw, kind: found[0] };
  ctx.addIssue({
    code: 'custom',
    message:
      found.length === 0
        ? `a step needs one of: ${STEP_KINDS.join(', ')}`
        : `a step does one thing, but this one has ${found.join(' and ')}`,
  });
  return z.NEVER;
}

const stallRule = z
  .object({
    after: duration,
    notify: salesTarget.optional(),
    reengage: steps.optional(),
    dormantAfter: duration.optional(),
  })
  .strict();

const stage = z.object({ description: z.string().optional(), steps, stall: stallRule.optional() }).strict();

const goal = z.object({ on: eventTypes, where: filter.optional(), goto: stageName, at: stepId.optional() }).strict();

const exitRule = z.preprocess(
  (v) => (typeof v === 'string' ? { on: v } : v),
  z.object({ on: eventTypes, where: filter.optional(), reason: reason.optional() }).strict(),
);

const minuteOfDay = z
  .union([z.number().int().min(0).max(24), z.string().regex(/^([01]?\d|2[0-4]):[0-5]\d$/)], {
    error: 'must be an hour like 9 or a time like "09:30"',
  })
  .transform((v, ctx) => {
    const [h, m] = typeof v === 'number' ? [v, 0] : v.split(':').map(Number);
    const minutes = (h ?? 0) * 60 + (m ?? 0);
    if (minutes > 24 * 60) ctx.addIssue({ code: 'custom', message: 'must be at most 24:00' });
    return minutes;
  });

const sendWindow = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS as [Weekday, ...Weekday[]], { error: 'must be one of mon, tue, wed, thu, fri, sat, sun' }))
      .min(1),
    hours: z
      .object({ from: minuteOfDay, to: minuteOfDay })
      .strict()
      .refine((h) => h.from < h.to, 'from must be before to'),
  })
  .strict();

const DEFAULT_EXITS = [{ on: ['unsubscribe'] }, { on: ['complaint'] }, { on: ['bounce'], where: { kind: 'hard' } }];

export const campaignSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'must be a campaign id: letters, digits, - or _'),
    name: z.string().min(1),
    description: z.string().optional(),
    timezone: z.string().refine(isValidTimeZone, 'must be an IANA time zone like Europe/Paris').default('UTC'),
    stages: z.record(stageName, stage),
    goals: z.array(goal).default([]),
    exitOn: z.array(exitRule).default(DEFAULT_EXITS),
    engagement: z.array(eventType).default(['open', 'click', 'reply']),
    scoring: z
      .object({
        points: z.record(eventType, z.number()).default({}),
        qualification: z
          .object({ threshold: z.number().positive(), stage: stageName.optional(), notify: salesTarget.optional() })
          .strict()
          .optional(),
      })
      .strict()
      .default({ points: {} }),
    sendWindow: sendWindow.optional(),
    frequencyCap: z
      .object({ max: z.number().int().min(1), per: duration })
      .strict()
      .optional(),
    allowReenrollment: z.boolean().default(false),
  })
  .strict()
  .superRefine(checkReferences);

export type Campaign = z.output<typeof campaignSchema>;
export type Stage = Campaign['stages'][string];
export type StallRule = NonNullable<Stage['stall']>;
export type Goal = Campaign['goals'][number];
export type ExitRule = Campaign['exitOn'][number];
export type SendWindow = NonNullable<Campaign['sendWindow']>;

type Path = StepPath;

// Names that point elsewhere in the file (goto, goals, qualification) must exist; a typo
// there would otherwise surface days later in a running journey.
function checkReferences(
  c: { stages: Record<string, Stage>; goals: Goal[]; scoring: Campaign['scoring'] },
  ctx: z.core.$RefinementCtx,
): void {
  const names = Object.keys(c.stages);
  const known = `declared stages: ${names.join(', ')}`;
  const issue = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (names.length === 0) issue(['stages'], 'needs at least one stage');
  const idsByStage = new Map<string, Set<string>>();
  for (const [name, s] of Object.entries(c.stages)) {
    const ids = new Set<string>();
    const visit = (step: Step, path: Path) => {
      if (step.kind === 'goto' && !(step.goto in c.stages)) issue([...path, 'goto'], `unknown stage "${step.goto}"; ${known}`);
      if (step.id !== undefined) {
        if (ids.has(step.id)) issue([...path, 'id'], `step id "${step.id}" is used twice in stage ${name}`);
        ids.add(step.id);
      }
    };
    walkSteps(s.steps, ['stages', name, 'steps'], visit);
    walkSteps(s.stall?.reengage ?? [], ['stages', name, 'stall', 'reengage'], visit);
    idsByStage.set(name, ids);
  }
  c.goals.forEach((g, i) => {
    if (!(g.goto in c.stages)) issue(['goals', i, 'goto'], `unknown stage "${g.goto}"; ${known}`);
    else if (g.at !== undefined && findStepPath(c.stages[g.goto]!.steps, g.at) === null)
      issue(['goals', i, 'at'], `stage ${g.goto} has no step with id "${g.at}"`);
  });
  const q = c.scoring.qualification;
  if (q?.stage !== undefined && !(q.stage in c.stages))
    issue(['scoring', 'qualification', 'stage'], `unknown stage "${q.stage}"; ${known}`);
}
