// A generated case made concrete for one run: the campaign file it is (id, send window placed
// relative to the moment the lead enrolls), the simulator's timeline for it, and its script
// moved clear of the instants where the order of two things would be decided by a few
// milliseconds of real latency (an event landing just as a timer fires). In that zone the
// simulator and the real journey may both be right and still differ; outside it they must
// agree exactly.
import { stringify } from 'yaml';
import { parseCampaign, formatErrors } from '../../core/campaign/load.ts';
import type { Campaign } from '../../core/campaign/schema.ts';
import { effectiveTimeZone, localTime } from '../../core/journey/sendWindow.ts';
import { simulate, type ScriptedEvent, type Timeline, type Timer } from '../../core/journey/simulate.ts';
import type { SampleLead } from '../../core/lead.ts';
import type { DiffCase, ScriptItem, SendWindowPlan } from './generate.ts';

/** No scripted item comes closer than this to a timer, to the start or to another item. */
export const MARGIN_MS = 1500;
/** How long a journey is followed unless it ends sooner (a frequency cap retries after 60 s). */
const HORIZON_MS = 100_000;
const CAPPED_HORIZON_MS = 160_000;
const DAY_MS = 86_400_000;
/** How often settling moves items later before it leaves out the one still too close. */
const SHIFTS = 20;
/** Horizons tried, in MARGIN_MS after the base horizon. */
const HORIZONS = Array.from({ length: 20 }, (_, k) => k);
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface PreparedCase {
  /** The case as generated. */
  source: DiffCase;
  id: string;
  /** The campaign file as written for the real run and printed for a reproduction. */
  yaml: string;
  campaign: Campaign;
  lead: SampleLead;
  /** The script after settling, offsets in ms from the start. */
  script: ScriptItem[];
  start: number;
  horizonMs: number;
  /**
   * When set, the timelines are compared only before this instant (ms from the start): where
   * two timers race (a wait's deadline and the stall clock's less than MARGIN_MS apart), the
   * one real latency lets fire first decides, and neither side is wrong; likewise where
   * timers are too dense to end the comparison clear of them.
   */
  comparedBefore: number | undefined;
  timeline: Timeline;
}

/** The campaign file for this case, its send window placed relative to `plannedStart`. */
export function campaignFile(c: DiffCase, id: string, plannedStart: number): { yaml: string; campaign: Campaign } {
  const raw: Record<string, unknown> = { ...c.campaign, id };
  if (c.window !== undefined) {
    const zone = effectiveTimeZone(c.lead.timezone, typeof raw.timezone === 'string' ? raw.timezone : 'UTC');
    raw.sendWindow = sendWindow(c.window, plannedStart, zone);
  }
  const yaml = stringify(raw);
  const parsed = parseCampaign(yaml, `${id}.yaml`);
  if (!parsed.ok) throw new Error(`generated campaign is invalid:\n${formatErrors(parsed.errors).join('\n')}\n${yaml}`);
  return { yaml, campaign: parsed.campaign };
}

function sendWindow(plan: SendWindowPlan, at: number, zone: string) {
  const now = localTime(at, zone);
  const from = Math.min(now.hour * 60 + now.minute + plan.opensAfterMinutes, 24 * 60 - plan.openMinutes);
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const days = plan.days === 'every day' ? [...WEEKDAYS] : WEEKDAYS.filter((d) => d !== now.weekday);
  return { days, hours: { from: hhmm(from), to: hhmm(from + plan.openMinutes) } };
}

/** The script as `nurture campaign simulate --events` takes it (absolute ms). */
function scripted(script: ScriptItem[], start: number): ScriptedEvent[] {
  return script.map((item): ScriptedEvent => {
    const at = start + item.at;
    if ('move' in item) return { at, move: item.move };
    if ('signup' in item) return { at, signup: true };
    return { at, type: item.event.type, id: item.id, ...(item.event.data ? { data: item.event.data } : {}) };
  });
}

async function simulateFor(campaign: Campaign, lead: SampleLead, script: ScriptItem[], start: number, ms: number) {
  return simulate(campaign, lead, scripted(script, start), { start, days: ms / DAY_MS });
}

/**
 * Moves scripted items later until each is at least MARGIN_MS from the start, from every
 * timer pending before it and from every other item, and picks a horizon with no timer near
 * it. Deterministic, so a shrunk case settles the same way.
 */
export async function settle(
  c: { campaign: Campaign; lead: SampleLead; script: ScriptItem[] },
  start: number,
): Promise<Pick<PreparedCase, 'script' | 'horizonMs' | 'comparedBefore' | 'timeline'>> {
  const base = c.campaign.frequencyCap ? CAPPED_HORIZON_MS : HORIZON_MS;
  let script = c.script.filter((item) => item.at < base - MARGIN_MS);
  for (let round = 0; ; round++) {
    // Followed a little past the horizon, so that timers just beyond it are seen too.
    const seen = await simulateFor(c.campaign, c.lead, script, start, base + 30_000);
    const timers = seen.timers.map((t) => ({ at: Date.parse(t.at) - start, since: Date.parse(t.since) - start }));
    // A timer set at or after an item (by it, or by what it set off) comes after it on both sides.
    const tooClose = script.findIndex(
      (item, i) =>
        item.at < MARGIN_MS ||
        timers.some((t) => t.since < item.at && Math.abs(t.at - item.at) < MARGIN_MS) ||
        script.some((other, j) => j !== i && Math.abs(other.at - item.at) < MARGIN_MS),
    );
    if (tooClose === -1) {
      const clear = (h: number) => !timers.some((t) => Math.abs(t.at - h) < MARGIN_MS * 2);
      const horizonMs = HORIZONS.map((k) => base + k * MARGIN_MS).find(clear);
      const timeline = await simulateFor(c.campaign, c.lead, script, start, horizonMs ?? base);
      const race = firstRace(timeline.timers, start);
      // Timers too dense for a clear horizon (a loop of short waits): the end is not compared.
      const comparedBefore = horizonMs === undefined ? Math.min(race ?? Infinity, base - MARGIN_MS * 2) : race;
      return { script, horizonMs: horizonMs ?? base, comparedBefore, timeline };
    }
    // An item that finds no place clear of the timers (a loop of short waits) is left out.
    script =
      round >= SHIFTS
        ? script.filter((_, i) => i !== tooClose)
        : script
            .map((item, i) => (i < tooClose ? item : { ...item, at: item.at + MARGIN_MS }))
            .filter((item) => item.at < base - MARGIN_MS);
  }
}

/**
 * The earliest instant where a wait's deadline and the stall clock's come within MARGIN_MS of
 * each other. The simulator decides such a tie by a fixed rule; the workflow by which timer
 * real latency lets fire first (its waits start after activities, the stall clock when the
 * stage was entered). Timers of one kind never race: a journey has one wait and one stall
 * clock at a time.
 */
function firstRace(timers: Timer[], start: number): number | undefined {
  const clock = (t: Timer) => t.kind === 'stall' || t.kind === 'dormant';
  let race: number | undefined;
  const ms = (t: Timer) => ({ at: Date.parse(t.at) - start, since: Date.parse(t.since) - start });
  for (const a of timers.filter(clock).map(ms))
    for (const b of timers.filter((t) => !clock(t)).map(ms)) {
      const pendingTogether = a.since < b.at && b.since < a.at;
      if (pendingTogether && Math.abs(a.at - b.at) < MARGIN_MS) race = Math.min(race ?? Infinity, a.at, b.at);
    }
  return race;
}

/** A failing case as files a person can rerun with `nurture campaign simulate`. */
export function reproduction(p: PreparedCase): string {
  const days = Number((p.horizonMs / DAY_MS).toFixed(6));
  const events = JSON.stringify(
    scripted(p.script, p.start).map((e) => ({ ...e, at: `+${Number(e.at) - p.start}ms` })),
    null,
    0,
  );
  return [
    `# ${p.id}.yaml`,
    p.yaml.trimEnd(),
    `# lead: ${JSON.stringify(p.lead)}`,
    `# events: ${events}`,
    `# nurture campaign simulate ${p.id}.yaml --start ${new Date(p.start).toISOString()} --days ${days} \\`,
    `#   --lead '${JSON.stringify(p.lead)}' --events '${events}'`,
  ].join('\n');
}
