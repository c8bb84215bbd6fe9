// Runs the same runJourney the workflow runs, on a virtual clock: each wait jumps straight to
// its deadline or to the next scripted event, whichever comes first. A marketer sees the exact
// timeline a lead would get, and tests cover the journey logic without a server.
import { z } from 'zod';
import type { Campaign } from '../campaign/schema.ts';
import type { SampleLead } from '../lead.ts';
import { parseDuration } from '../campaign/duration.ts';
import type { JourneyEffects, SendOutcome, SendRequest } from './effects.ts';
import { runJourney } from './interpreter.ts';
import { effectiveTimeZone, localTime } from './sendWindow.ts';
import { newJourneyState, receiveEvent, type JourneyEndKind, type JourneyEvent, type JourneyState } from './state.ts';

const DAY_MS = 86_400_000;
/** A Monday, so that default simulations are reproducible and start on a working day. */
const DEFAULT_SIMULATION_START = '2025-01-06T09:00:00.000Z';

/** `at`: an ISO time, an offset from the start like `+3d` or `+2d4h`, or epoch milliseconds. */
export const scriptedEventsSchema = z.array(
  z
    .object({
      at: z.union([z.string(), z.number()]),
      type: z.string().min(1),
      data: z.record(z.string(), z.unknown()).optional(),
      id: z.string().optional(),
    })
    .strict(),
);
export type ScriptedEvent = z.infer<typeof scriptedEventsSchema>[number];

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
  /** How many runs the journey took (continue-as-new starts a new one). */
  runs: number;
};

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
    .map((e, i) => ({ at: parseInstant(e.at, start), id: e.id ?? `sim-${i + 1}`, e }))
    .map(({ at, id, e }): JourneyEvent => ({ id, type: e.type, occurredAt: at, ...(e.data ? { data: e.data } : {}) }))
    .sort((a, b) => a.occurredAt - b.occurredAt);
  let clock = start;
  let nextEvent = 0;
  let state = newJourneyState({
    campaign,
    lead: { ...lead, id: lead.id ?? 'lead-1', email: lead.email ?? 'lead@example.com' },
    now: start,
  });
  const entries: TimelineEntry[] = [];
  const record = (kind: TimelineKind, detail: string, stepKey?: string) =>
    entries.push({ at: new Date(clock).toISOString(), kind, detail, stage: state.stage, ...(stepKey ? { stepKey } : {}) });
  const deliver = (event: JourneyEvent) => {
    clock = Math.max(clock, event.occurredAt);
    const fresh = receiveEvent(state, campaign, event, clock);
    if (opts.includeEvents) record('event', `${event.type}${fresh ? '' : ' (duplicate, ignored)'}`);
  };
  let boundaries = 0;
  let waits = 0;
  let discounts = 0;
  const suspendEvery = opts.continueAsNewWhileWaitingEvery;
  // Every run resumes the wait it suspended in; N = 1 would suspend it again before it waited.
  if (suspendEvery !== undefined && !(Number.isInteger(suspendEvery) && suspendEvery >= 2))
    throw new Error(`continueAsNewWhileWaitingEvery must be an integer >= 2 (got ${suspendEvery})`);

  const fx: JourneyEffects = {
    now: () => clock,
    async waitUntil(deadline, done) {
      if (suspendEvery !== undefined && ++waits % suspendEvery === 0) return 'continueAsNew';
      for (;;) {
        if (done()) return true;
        const event = script[nextEvent];
        if (event !== undefined && (deadline === null || event.occurredAt <= deadline) && event.occurredAt <= end) {
          nextEvent += 1;
          deliver(event);
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
      const outcome = opts.sendOutcome?.(req, clock) ?? { status: 'sent' };
      if (outcome.status === 'sent')
        record('send', req.templateId + (req.discount ? ` (code ${req.discount.code})` : ''), req.stepKey);
      return outcome;
    },
    async setStage(c) {
      record('stage', `${c.from ?? 'start'} -> ${c.to}: ${c.reason}`, c.stepKey);
    },
    async flag(f) {
      record('flag', `${f.kind}: ${f.reason}`, f.stepKey);
    },
    async notifySales(n) {
      record('notify', `sales (${[n.target.email, n.target.webhook].filter(Boolean).join(', ')}): ${n.reason}`, n.stepKey);
    },
    async issueDiscount(d) {
      discounts += 1;
      const issued = { code: `SIM${d.percent}-${discounts}`, percent: d.percent, expiresAt: clock + d.validForMs };
      record('discount', `${issued.code}: ${d.percent}% until ${new Date(issued.expiresAt).toISOString()}`, d.stepKey);
      return issued;
    },
    shouldContinueAsNew: () => opts.continueAsNewEvery !== undefined && ++boundaries % opts.continueAsNewEvery === 0,
  };

  // Events scripted for the moment of enrollment (or before) are already known at the start.
  while (script[nextEvent] !== undefined && script[nextEvent]!.occurredAt <= start) deliver(script[nextEvent++]!);

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
