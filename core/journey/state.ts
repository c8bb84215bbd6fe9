// The whole position of one lead's journey, as plain JSON. It is what crosses Temporal's
// continue-as-new boundary and what a query reads, so everything needed to resume exactly
// (cursor, wait deadlines, step sequence) lives here and nowhere else.
import type { Campaign } from '../campaign/schema.ts';
import type { Condition, Filter } from '../campaign/types.ts';
import { findStepPath, type StepPath } from '../campaign/steps.ts';
import type { LeadSnapshot } from '../lead.ts';

export const SEEN_EVENT_LIMIT = 2000;
const HISTORY_LIMIT = 200;

/** How a journey ends (also its enrollment row's status); one that continues as new has not ended. */
export type JourneyEndKind = 'completed' | 'exited' | 'dormant';

/** A discount code issued to a lead; later sends carry it until it expires (ms since epoch). */
export type IssuedDiscount = { code: string; percent: number; expiresAt: number };

export type JourneyEvent = { id: string; type: string; occurredAt: number; data?: Record<string, unknown> };

/** Which step runs next: root 'reengage' is the current stage's stall.reengage branch. */
export type Cursor = { root: 'steps' | 'reengage'; path: StepPath; stepKey: string | null };

/**
 * A wait in progress, owned by the step with stepKey. `window`: a send held for the send
 * window; `capped`: a send held by the frequency cap. A waitFor records the first matching
 * event in `matched` as it arrives, so the order "engagement or timeout first" is kept.
 */
export type WaitState = {
  stepKey: string;
  kind: 'wait' | 'waitFor' | 'window' | 'capped';
  since: number;
  deadline: number | null;
  events?: string[];
  where?: Filter;
  matched?: { type: string; eventId: string; at: number };
};

/** force: a person moved the lead (see moveLead); it applies even backwards. */
const RECENT_EVENT_LIMIT = 20;
type RecentEvent = { id: string; type: string; at: number; data?: Record<string, unknown>; used?: true };

type PendingGoal = { stage: string; at?: string; reason: string; force?: boolean };

export type HistoryKind =
  'send' | 'deferred' | 'stage' | 'flag' | 'notify' | 'discount' | 'branch' | 'engaged' | 'goal' | 'exit' | 'end';
export type HistoryEntry = { at: number; kind: HistoryKind; stage: string | null; stepKey?: string; detail: string };

export type JourneyEnd = { kind: JourneyEndKind; reason: string; at: number };

export interface JourneyState {
  v: 1;
  campaignId: string;
  campaignVersion?: string;
  /** 1 for the first enrollment; re-enrollments get a new number so step keys stay unique. */
  enrollment: number;
  lead: LeadSnapshot;
  startedAt: number;
  stage: string | null;
  stageEnteredAt: number;
  cursor: Cursor | null;
  wait: WaitState | null;
  /** The main program paused by a stall's re-engagement branch, resumed when it ends. */
  interrupted: { cursor: Cursor; wait: WaitState | null } | null;
  /** Grows with every executed step; part of every stepKey, so keys never repeat. */
  seq: number;
  score: number;
  qualified: boolean;
  qualificationPending: boolean;
  seenEventIds: string[];
  lastEngagementAt: number | null;
  stalled: boolean;
  stalledAt: number | null;
  pendingGoal: PendingGoal | null;
  pendingExit: string | null;
  discount: IssuedDiscount | null;
  /**
   * The last few events, so a waitFor can count engagement that arrived after the email it
   * follows went out but before the wait itself began (a click in the same instant the send
   * completed). `used`: already answered a waitFor.
   */
  recentEvents: RecentEvent[];
  /** When the last email went out (or the last waitFor ended): where a waitFor looks back to. */
  lookbackFrom: number | null;
  ended: JourneyEnd | null;
  history: HistoryEntry[];
}

export function newJourneyState(init: {
  campaign: Campaign;
  lead: Omit<LeadSnapshot, 'properties'> & { properties?: LeadSnapshot['properties'] };
  now: number;
  campaignVersion?: string;
  enrollment?: number;
}): JourneyState {
  return {
    v: 1,
    campaignId: init.campaign.id,
    ...(init.campaignVersion !== undefined ? { campaignVersion: init.campaignVersion } : {}),
    enrollment: init.enrollment ?? 1,
    lead: { ...init.lead, properties: init.lead.properties ?? {} },
    startedAt: init.now,
    stage: null,
    stageEnteredAt: init.now,
    cursor: null,
    wait: null,
    interrupted: null,
    seq: 0,
    score: 0,
    qualified: false,
    qualificationPending: false,
    seenEventIds: [],
    lastEngagementAt: null,
    stalled: false,
    stalledAt: null,
    pendingGoal: null,
    pendingExit: null,
    discount: null,
    recentEvents: [],
    lookbackFrom: null,
    ended: null,
    history: [],
  };
}

function matchesFilter(data: Record<string, unknown> | undefined, where: Filter | undefined): boolean {
  if (where === undefined) return true;
  return Object.entries(where).every(([key, want]) => {
    const got = data?.[key];
    return Array.isArray(want) ? want.some((w) => w === got) : want === got;
  });
}

function isEngagement(campaign: Campaign, type: string): boolean {
  return campaign.engagement.includes(type) || (campaign.scoring.points[type] ?? 0) > 0;
}

export function stageIndex(campaign: Campaign, stage: string | null): number {
  return stage === null ? -1 : Object.keys(campaign.stages).indexOf(stage);
}

/** The stage after `stage` in the campaign's order, where a lead goes when it finishes `stage`. */
export function nextStage(campaign: Campaign, stage: string | null): string | undefined {
  return Object.keys(campaign.stages)[stageIndex(campaign, stage) + 1];
}

/**
 * Goals only move a lead forward: to a later stage, or within its stage to a step it has not
 * reached yet. So a second purchase does not restart onboarding, and pricing interest from a
 * customer does not send them back to the offer.
 */
export function goalMovesForward(campaign: Campaign, state: JourneyState, stage: string, at?: string): boolean {
  const target = stageIndex(campaign, stage);
  const current = stageIndex(campaign, state.stage);
  if (target !== current) return target > current;
  if (at === undefined) return false;
  const targetPath = findStepPath(campaign.stages[stage]?.steps ?? [], at);
  const cursor = state.cursor?.root === 'steps' ? state.cursor : state.interrupted?.cursor;
  const here = cursor?.path[0];
  return targetPath !== null && typeof here === 'number' && here < (targetPath[0] as number);
}

export function pushHistory(history: HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  const next = history.length >= HISTORY_LIMIT ? history.slice(history.length - HISTORY_LIMIT + 1) : history.slice();
  next.push(entry);
  return next;
}

/**
 * For a waitFor that is just beginning: the first event since the lookback point that it
 * would have matched, marked used so no later wait counts it again.
 */
export function takeEarlyMatch(state: JourneyState, wait: WaitState): WaitState['matched'] {
  const from = state.lookbackFrom;
  if (from === null || wait.kind !== 'waitFor') return undefined;
  const hit = (state.recentEvents ?? []).find(
    (e) => !e.used && e.at >= from && (wait.events ?? []).includes(e.type) && matchesFilter(e.data, wait.where),
  );
  if (hit === undefined) return undefined;
  hit.used = true;
  return { type: hit.type, eventId: hit.id, at: hit.at };
}

function describeRule(type: string, where: Filter | undefined): string {
  if (where === undefined) return type;
  return `${type} (${Object.entries(where)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : String(v)}`)
    .join(', ')})`;
}

/**
 * Pure reducer for one engagement event: returns the next state, or the same object when the
 * event changes nothing (a duplicate id, or a journey that has ended). It never runs effects;
 * what must happen in the world (notify sales, jump stage, stop) is left as a pending mark the
 * interpreter acts on at its next await.
 */
export function applyEvent(state: JourneyState, campaign: Campaign, event: JourneyEvent, now: number): JourneyState {
  if (state.ended !== null || state.seenEventIds.includes(event.id)) return state;
  const seen =
    state.seenEventIds.length >= SEEN_EVENT_LIMIT ? state.seenEventIds.slice(1 - SEEN_EVENT_LIMIT) : state.seenEventIds.slice();
  seen.push(event.id);
  const next: JourneyState = { ...state, seenEventIds: seen };

  const exit = campaign.exitOn.find((r) => r.on.includes(event.type) && matchesFilter(event.data, r.where));
  if (exit !== undefined) {
    next.pendingExit ??= exit.reason ?? describeRule(event.type, exit.where);
    return next;
  }

  next.score = state.score + (campaign.scoring.points[event.type] ?? 0);
  if (isEngagement(campaign, event.type)) {
    next.lastEngagementAt = Math.max(state.lastEngagementAt ?? now, now);
    if (state.stalled) {
      next.stalled = false;
      next.stalledAt = null;
      next.history = pushHistory(next.history, {
        at: now,
        kind: 'engaged',
        stage: state.stage,
        detail: `${event.type} cleared the stall`,
      });
    }
  }

  const match = (w: WaitState | null): WaitState | null =>
    w !== null &&
    w.kind === 'waitFor' &&
    w.matched === undefined &&
    (w.events ?? []).includes(event.type) &&
    matchesFilter(event.data, w.where)
      ? { ...w, matched: { type: event.type, eventId: event.id, at: now } }
      : w;
  next.wait = match(state.wait);
  if (state.interrupted !== null) next.interrupted = { ...state.interrupted, wait: match(state.interrupted.wait) };
  const answered = next.wait !== state.wait || next.interrupted?.wait !== state.interrupted?.wait;
  const recent = (state.recentEvents ?? []).slice(1 - RECENT_EVENT_LIMIT);
  recent.push({
    id: event.id,
    type: event.type,
    at: now,
    ...(event.data ? { data: event.data } : {}),
    ...(answered ? { used: true as const } : {}),
  });
  next.recentEvents = recent;

  const consider = (goal: PendingGoal) => {
    if (!goalMovesForward(campaign, next, goal.stage, goal.at) || next.pendingGoal?.force) return;
    if (next.pendingGoal !== null && stageIndex(campaign, next.pendingGoal.stage) >= stageIndex(campaign, goal.stage)) return;
    next.pendingGoal = goal;
  };
  for (const goal of campaign.goals) {
    if (goal.on.includes(event.type) && matchesFilter(event.data, goal.where)) {
      consider({ stage: goal.goto, ...(goal.at !== undefined ? { at: goal.at } : {}), reason: `goal: ${event.type}` });
    }
  }

  const q = campaign.scoring.qualification;
  if (q !== undefined && !state.qualified && next.score >= q.threshold) {
    next.qualified = true;
    next.qualificationPending = true;
    if (q.stage !== undefined) consider({ stage: q.stage, reason: `qualified: score ${next.score} reached ${q.threshold}` });
  }
  return next;
}

/**
 * For hosts: applies the event to the state object in place (the interpreter holds that same
 * object) and says whether it was new. Call it from signal/update handlers.
 */
export function receiveEvent(state: JourneyState, campaign: Campaign, event: JourneyEvent, now: number): boolean {
  const next = applyEvent(state, campaign, event, now);
  if (next === state) return false;
  Object.assign(state, next);
  return true;
}

/**
 * For hosts: a person moves the lead to a stage (from the dashboard or CLI). Unlike a goal it
 * applies in any direction; the interpreter acts on it at its next await, like a goal.
 */
export function moveLead(state: JourneyState, stage: string, reason: string): void {
  if (state.ended === null) state.pendingGoal = { stage, reason, force: true };
}

/** When the stall clock falls due, for what, and since when it has been running. */
export type StallDue = { at: number; kind: 'stall' | 'dormant'; since: number };

/** When the current stage's stall rule acts next if the lead does not engage, if ever. */
export function nextStallCheck(campaign: Campaign, state: JourneyState): StallDue | null {
  const rule = campaign.stages[state.stage ?? '']?.stall;
  if (rule === undefined || state.ended !== null) return null;
  if (state.stalled) {
    const since = state.stalledAt ?? 0;
    return rule.dormantAfter === undefined ? null : { at: since + rule.dormantAfter, kind: 'dormant', since };
  }
  const since = Math.max(state.stageEnteredAt, state.lastEngagementAt ?? 0);
  return { at: since + rule.after, kind: 'stall', since };
}

/** Evaluates an `if` step: every test given must hold. */
export function conditionHolds(state: JourneyState, c: Condition): boolean {
  const s = c.score;
  if (s !== undefined) {
    const v = state.score;
    if ((s.gte !== undefined && !(v >= s.gte)) || (s.gt !== undefined && !(v > s.gt))) return false;
    if ((s.lte !== undefined && !(v <= s.lte)) || (s.lt !== undefined && !(v < s.lt))) return false;
    if (s.eq !== undefined && v !== s.eq) return false;
  }
  const p = c.property;
  if (p !== undefined) {
    const has = Object.prototype.hasOwnProperty.call(state.lead.properties, p.name);
    const v = state.lead.properties[p.name];
    if (p.exists !== undefined && has !== p.exists) return false;
    if (p.equals !== undefined && v !== p.equals) return false;
    if (p.in !== undefined && !p.in.some((x) => x === v)) return false;
  }
  return true;
}
