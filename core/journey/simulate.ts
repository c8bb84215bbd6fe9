// Runs the same runJourney the workflow runs, on a virtual clock: each wait jumps straight to
// its deadline or to the next scripted event, whichever comes first. A marketer sees the exact
// timeline a lead would get, and tests cover the journey logic without a server.
//
// Around the journey it models what the real effects decide (test/differential holds it to
// the real workflow): an unsubscribe, complaint or hard bounce suppresses the address for every
// later send, the frequency cap counts this lead's sends, a lead gets one discount code per
// campaign, and a signup after the journey ended starts it over when the campaign allows.
import { z } from 'zod';
import type { Campaign } from '../campaign/schema.ts';
import { suppressionFor } from '../events.ts';
import type { SampleLead } from '../lead.ts';
import { parseDuration } from '../campaign/duration.ts';
import { salesTargetUrl, type JourneyEffects, type SendOutcome, type SendRequest } from './effects.ts';
import { capRetryAt } from './frequency-cap.ts';
import { runJourney } from './interpreter.ts';
import { effectiveTimeZone, localTime } from './sendWindow.ts';
import {
  moveLead,
  newJourneyState,
  nextStallCheck,
  receiveEvent,
  type IssuedDiscount,
  type JourneyEndKind,
  type JourneyEvent,
  type JourneyState,
  type StallDue,
  type WaitState,
} from './state.ts';

const DAY_MS = 86_400_000;
/** A Monday, so that default simulations are reproducible and start on a working day. */
const DEFAULT_SIMULATION_START = '2025-01-06T09:00:00.000Z';

/** An ISO time, an offset from the start like `+3d` or `+2d4h`, or epoch milliseconds. */
const instant = z.union([z.string(), z.number()]);
/** Engagement; a repeated `id` is the same event delivered twice. */
const scriptedEngagement = z
  .object({ at: instant, type: z.string().min(1), data: z.record(z.string(), z.unknown()).optional(), id: z.string().optional() })
  .strict();
/** A person moves the lead to a stage (the dashboard's "move on"). */
const scriptedMove = z.object({ at: instant, move: z.string().min(1), reason: z.string().min(1).optional() }).strict();
/** The lead signs up again: an ended journey starts over if the campaign allows re-enrollment. */
const scriptedSignup = z.object({ at: instant, signup: z.literal(true) }).strict();
type ScriptedItem = z.infer<typeof scriptedEngagement> | z.infer<typeof scriptedMove> | z.infer<typeof scriptedSignup>;
/** Which kind an item is told by its keys, so that a problem names the field, not just "invalid". */
const scriptedItem = z.unknown().transform((v, ctx): ScriptedItem => {
  const has = (key: string) => typeof v === 'object' && v !== null && key in v;
  const r = (has('move') ? scriptedMove : has('signup') ? scriptedSignup : scriptedEngagement).safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});
export const scriptedEventsSchema = z.array(scriptedItem);
export type ScriptedEvent = ScriptedItem;

/** The reason a moved lead's stage change gives when the script names none. */
export const DEFAULT_MOVE_REASON = 'moved by hand';

type TimelineKind = 'send' | 'stage' | 'flag' | 'notify' | 'discount' | 'exit' | 'end' | 'event';
type TimelineEntry = { at: string; kind: TimelineKind; detail: string; stage: string | null; stepKey?: string };
export type Timeline = {
  campaignId: string;
  start: string;
  /** The zone the send window was evaluated in, also used by formatTimeline. */
  timeZone: string;
  entries: TimelineEntry[];
  /** 'waiting': the lead was still in a wait when the simulated period ended. */
  result: { kind: JourneyEndKind | 'waiting'; reason: string };
  state: JourneyState;
  /** How many runs the journey took (continue-as-new and re-enrollment start a new one). */
  runs: number;
  /**
   * Every deadline pending while the journey waited within the period (a wait's, the stall
   * clock's), whether it came or something came first: where the order of an event and a
   * timer, or of two timers, decides what happens.
   */
  timers: Timer[];
};

/** A deadline: when it falls due, what set it, and since when it was pending. */
export type Timer = { at: string; kind: WaitState['kind'] | StallDue['kind']; since: string };

export type SimulateOptions = {
  start?: string | number;
  /** How long to simulate; default 90 days. */
  days?: number;
  /** What the send effect answers; default always 'sent'. */
  sendOutcome?: (req: SendRequest, now: number) => SendOutcome;
  /** Continue-as-new at every Nth step boundary, round-tripping the state through JSON. */
  continueAsNewEvery?: number;
  /** Continue-as-new at every Nth wait (N >= 2), as a journey whose history grew while waiting. */
  continueAsNewWhileWaitingEvery?: number;
  /** Also list the scripted events in the timeline. */
  includeEvents?: boolean;
};

class PeriodOver {}

type Scripted = { at: number } & (
  { kind: 'event'; event: JourneyEvent } | { kind: 'move'; stage: string; reason: string } | { kind: 'signup' }
);

function parseInstant(at: string | number, start: number): number {
  if (typeof at === 'number') return at;
  const text = at.trim();
  if (/^\+0*$/.test(text)) return start;
  if (text.startsWith('+')) return start + parseDuration(text.slice(1));
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`"${at}" is not a time; use an ISO time like 2025-01-06T09:00:00Z or an offset like +3d`);
  return t;
}

export async function simulate(
  campaign: Campaign,
  lead: SampleLead,
  events: ScriptedEvent[],
  opts: SimulateOptions = {},
): Promise<Timeline> {
  const start = parseInstant(opts.start ?? DEFAULT_SIMULATION_START, 0);
  const end = start + (opts.days ?? 90) * DAY_MS;
  const script = events
    .map((e, i): Scripted => {
      const at = parseInstant(e.at, start);
      if ('move' in e) return { at, kind: 'move', stage: e.move, reason: e.reason ?? DEFAULT_MOVE_REASON };
      if ('signup' in e) return { at, kind: 'signup' };
      const event: JourneyEvent = {
        id: e.id ?? `sim-${i + 1}`,
        type: e.type,
        occurredAt: at,
        ...(e.data ? { data: e.data } : {}),
      };
      return { at, kind: 'event', event };
    })
    .sort((a, b) => a.at - b.at);
  let clock = start;
  let nextItem = 0;
  const fullLead = { ...lead, id: lead.id ?? 'lead-1', email: lead.email ?? 'lead@example.com' };
  // Like the workflow: step keys of a re-enrollable campaign carry the enrollment's start time.
  const enroll = (now: number) =>
    newJourneyState({ campaign, lead: fullLead, now, enrollment: campaign.allowReenrollment ? now : 1 });
  let state = enroll(start);
  const entries: TimelineEntry[] = [];
  const timers: Timer[] = [];
  const noteTimer = (at: number, kind: Timer['kind'], since: number) => {
    const iso = new Date(at).toISOString();
    if (at <= end && !timers.some((t) => t.at === iso && t.kind === kind))
      timers.push({ at: iso, kind, since: new Date(since).toISOString() });
  };
  const record = (kind: TimelineKind, detail: string, stepKey?: string) =>
    entries.push({ at: new Date(clock).toISOString(), kind, detail, stage: state.stage, ...(stepKey ? { stepKey } : {}) });
  // What the real effects keep outside the journey: the address's suppression, its sends for
  // the frequency cap, the lead's discount code for this campaign.
  let suppressed: string | undefined;
  const sentAt: number[] = [];
  let discount: IssuedDiscount | undefined;
  let signedUpAgain = false;
  const deliveredIds = new Set<string>();
  const deliver = (item: Scripted) => {
    clock = Math.max(clock, item.at);
    if (item.kind === 'event') {
      const { event } = item;
      // The events webhook records each event id once, whichever journey (if any) is running: a
      // repeat, even after the lead enrolled again, is a redelivery and reaches no journey.
      const repeat = deliveredIds.has(event.id);
      deliveredIds.add(event.id);
      const fresh = !repeat && receiveEvent(state, campaign, event, clock);
      if (!repeat) suppressed ??= suppressionFor(event.type, event.data);
      if (opts.includeEvents) record('event', `${event.type}${fresh ? '' : ' (duplicate, ignored)'}`);
    } else if (item.kind === 'move') {
      // The workflow ignores a move to a stage its campaign does not have.
      if (item.stage in campaign.stages) moveLead(state, item.stage, item.reason);
      if (opts.includeEvents) record('event', `moved to ${item.stage}`);
    } else {
      // The signup webhook enrolls no suppressed address.
      signedUpAgain ||= state.ended !== null && campaign.allowReenrollment && suppressed === undefined;
      if (opts.includeEvents) record('event', 'signup');
    }
  };
  let boundaries = 0;
  let waits = 0;
  const suspendEvery = opts.continueAsNewWhileWaitingEvery;
  // Every run resumes the wait it suspended in; N = 1 would suspend it again before it waited.
  if (suspendEvery !== undefined && !(Number.isInteger(suspendEvery) && suspendEvery >= 2))
    throw new Error(`continueAsNewWhileWaitingEvery must be an integer >= 2 (got ${suspendEvery})`);

  const outcomeOf = (req: SendRequest): SendOutcome => {
    // In the order the send's claim decides: refusal first, then the cap.
    if (suppressed !== undefined) return { status: 'suppressed', reason: `suppressed: ${suppressed}` };
    const cap = campaign.frequencyCap;
    const retryAt = cap && capRetryAt(sentAt, { max: cap.max, perMs: cap.per }, clock);
    if (retryAt !== undefined) return { status: 'capped', retryAt };
    return opts.sendOutcome?.(req, clock) ?? { status: 'sent' };
  };

  const fx: JourneyEffects = {
    now: () => clock,
    async waitUntil(deadline, done) {
      if (suspendEvery !== undefined && ++waits % suspendEvery === 0) return 'continueAsNew';
      const { wait } = state;
      if (wait?.deadline != null) noteTimer(wait.deadline, wait.kind, wait.since);
      const stall = nextStallCheck(campaign, state);
      if (stall !== null) noteTimer(stall.at, stall.kind, stall.since);
      for (;;) {
        if (done()) return true;
        const item = script[nextItem];
        if (item !== undefined && (deadline === null || item.at <= deadline) && item.at <= end) {
          nextItem += 1;
          deliver(item);
          continue;
        }
        if (deadline === null || deadline > end) {
          clock = end;
          throw new PeriodOver();
        }
        clock = Math.max(clock, deadline);
        return false;
      }
    },
    async send(req) {
      const outcome = outcomeOf(req);
      if (outcome.status === 'sent') {
        sentAt.push(clock);
        record('send', req.templateId + (req.discount ? ` (code ${req.discount.code})` : ''), req.stepKey);
      }
      // A hard bounce suppresses the address like a bounce event does.
      if (outcome.status === 'bounced') suppressed ??= 'bounced';
      return outcome;
    },
    async setStage(c) {
      record('stage', `${c.from ?? 'start'} -> ${c.to}: ${c.reason}`, c.stepKey);
    },
    async flag(f) {
      record('flag', `${f.kind}: ${f.reason}`, f.stepKey);
    },
    async notifySales(n) {
      record('notify', `sales (${salesTargetUrl(n.target)}): ${n.reason}`, n.stepKey);
    },
    async issueDiscount(d) {
      // One code per lead and campaign: a later discount step gets the code issued first.
      const again = discount !== undefined;
      discount ??= { code: `SIM${d.percent}-1`, percent: d.percent, expiresAt: clock + d.validForMs };
      const until = new Date(discount.expiresAt).toISOString();
      record('discount', `${discount.code}: ${discount.percent}% until ${until}${again ? ' (issued before)' : ''}`, d.stepKey);
      return discount;
    },
    shouldContinueAsNew: () => opts.continueAsNewEvery !== undefined && ++boundaries % opts.continueAsNewEvery === 0,
  };

  // Items scripted for the moment of enrollment (or before) are already known at the start.
  while (script[nextItem] !== undefined && script[nextItem]!.at <= start) deliver(script[nextItem++]!);

  let runs = 1;
  let result: Timeline['result'];
  for (;;) {
    try {
      const r = await runJourney(campaign, state, fx);
      if (r.kind === 'continueAsNew') {
        // A real continue-as-new serializes the state; so does this, to catch anything that
        // would not survive the trip.
        state = JSON.parse(JSON.stringify(r.state)) as JourneyState;
        runs += 1;
        continue;
      }
      result = r;
      record(r.kind === 'exited' ? 'exit' : 'end', `${r.kind}: ${r.reason}`);
      // The journey has ended; what the rest of the script does until a signup starts it over.
      while (!signedUpAgain && script[nextItem] !== undefined && script[nextItem]!.at <= end) deliver(script[nextItem++]!);
      if (signedUpAgain) {
        signedUpAgain = false;
        state = enroll(clock);
        runs += 1;
        continue;
      }
    } catch (e) {
      if (!(e instanceof PeriodOver)) throw e;
      result = { kind: 'waiting', reason: `still in stage ${state.stage} after ${opts.days ?? 90} days` };
      record('end', result.reason);
    }
    break;
  }
  return {
    campaignId: campaign.id,
    start: new Date(start).toISOString(),
    timeZone: effectiveTimeZone(state.lead.timezone, campaign.timezone),
    entries,
    result,
    state,
    runs,
    timers,
  };
}

/** One line per entry, e.g. `day  3 Thu 09:00  send      faq`, in the lead's time zone. */
export function formatTimeline(timeline: Timeline): string {
  const tz = timeline.timeZone;
  const s = localTime(Date.parse(timeline.start), tz);
  const startDay = Date.UTC(s.year, s.month - 1, s.day);
  const two = (n: number) => String(n).padStart(2, '0');
  // Seconds only matter for second-scale test campaigns.
  const seconds = timeline.entries.some((e) => Date.parse(e.at) % 60_000 !== 0);
  const lines = timeline.entries.map((e) => {
    const l = localTime(Date.parse(e.at), tz);
    const day = Math.round((Date.UTC(l.year, l.month - 1, l.day) - startDay) / DAY_MS);
    const weekday = l.weekday[0]!.toUpperCase() + l.weekday.slice(1);
    const time = `${two(l.hour)}:${two(l.minute)}${seconds ? `:${two(l.second)}` : ''}`;
    return `day ${String(day).padStart(2)} ${weekday} ${time}  ${e.kind.padEnd(8)}  ${e.detail}`;
  });
  return [`${timeline.campaignId}: simulated from ${timeline.start} (times in ${tz})`, ...lines].join('\n');
}
