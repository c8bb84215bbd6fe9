// The one journey interpreter, run by the Temporal workflow and by the simulator alike.
// It walks the current stage's steps from state.cursor; every decision depends only on the
// campaign, the state and effects.now(), so a replay or a resumed run decides the same.
//
// Rules it keeps:
// - All time passes inside pause(); every pause wakes for exits, goal jumps and qualification,
//   and also for the stage's stall rule, which can flag, notify and run a re-engagement branch.
// - A step may be re-entered (after a goal was found not to apply, after re-engagement, after
//   continue-as-new): its stepKey and wait deadline are in the state, so it resumes, never
//   restarts.
// - Falling off the end of a stage's steps moves the lead to the next stage; the end of the
//   last stage completes the journey. A stage that should hold a lead ends with a waitFor.
import type { Campaign } from '../campaign/schema.ts';
import type { Step } from '../campaign/types.ts';
import { formatDuration } from '../campaign/duration.ts';
import { findStepPath, type StepPath } from '../campaign/steps.ts';
import { locationOf, stepAtCursor } from './cursor.ts';
import type { JourneyEffects, JourneyResult } from './effects.ts';
import { endsJourney } from './send-failures.ts';
import { effectiveTimeZone, nextSendTime } from './sendWindow.ts';
import {
  conditionHolds,
  goalMovesForward,
  nextStage,
  nextStallCheck,
  pushHistory,
  stageIndex,
  takeEarlyMatch,
  type StallDue,
  type Cursor,
  type HistoryEntry,
  type JourneyEnd,
  type JourneyState,
  type WaitState,
} from './state.ts';

// A capped send never retries sooner than this, even if the effect says so.
const MIN_RETRY_MS = 60_000;
// A campaign whose steps loop without any time passing (goto in a circle) is a bug; stop it.
const MAX_STEPS_WITHOUT_TIME = 1000;

/** Unwinds out of a step: the journey must continue elsewhere (goal, exit, re-engagement). */
class Redirect {}
/** Unwinds out of a wait: the host continues as new; the wait is in the state, so it resumes. */
class Suspend {}
class End {
  constructor(readonly end: Omit<JourneyEnd, 'at'>) {}
}

type Ctx = { campaign: Campaign; state: JourneyState; fx: JourneyEffects };

export async function runJourney(campaign: Campaign, state: JourneyState, effects: JourneyEffects): Promise<JourneyResult> {
  if (state.ended !== null) return { kind: state.ended.kind, reason: state.ended.reason };
  const ctx: Ctx = { campaign, state, fx: effects };
  let ranAStep = false;
  let lastNow = effects.now();
  let stepsAtThisInstant = 0;
  try {
    if (state.cursor === null) {
      const first = Object.keys(campaign.stages)[0];
      if (first === undefined) throw new Error(`campaign ${campaign.id} has no stages`);
      await enterStage(ctx, first, 'enrolled');
    }
    for (;;) {
      await handlePending(ctx);
      const cursor = current(ctx);
      if (cursor.stepKey === null) {
        if (ranAStep && effects.shouldContinueAsNew()) return { kind: 'continueAsNew', state };
        const now = effects.now();
        if (now !== lastNow) [lastNow, stepsAtThisInstant] = [now, 0];
        else if (++stepsAtThisInstant > MAX_STEPS_WITHOUT_TIME)
          throw new Error(`campaign ${campaign.id} loops in stage ${state.stage} without waiting; add a wait`);
      }
      const step = stepAt(ctx, cursor);
      if (step === undefined) {
        await finishBlock(ctx);
        continue;
      }
      if (cursor.stepKey === null) {
        state.seq += 1;
        state.cursor = { ...cursor, stepKey: stepKey(state, cursor, step) };
      }
      ranAStep = true;
      try {
        await runStep(ctx, step, state.cursor!.stepKey!);
      } catch (e) {
        if (!(e instanceof Redirect)) throw e;
      }
    }
  } catch (e) {
    if (e instanceof Suspend) return { kind: 'continueAsNew', state };
    if (!(e instanceof End)) throw e;
    state.ended = { ...e.end, at: effects.now() };
    note(ctx, { kind: e.end.kind === 'exited' ? 'exit' : 'end', detail: `${e.end.kind}: ${e.end.reason}` });
    return { kind: e.end.kind, reason: e.end.reason };
  }
}

function current(ctx: Ctx): Cursor {
  const c = ctx.state.cursor;
  if (c === null) throw new Error('journey has no cursor');
  return c;
}

function stepAt(ctx: Ctx, cursor: Cursor): Step | undefined {
  return stepAtCursor(ctx.campaign, ctx.state.stage, cursor);
}

function keyPrefix(state: JourneyState): string {
  return state.enrollment > 1 ? `r${state.enrollment}/` : '';
}

// `${seq}:${stage}.${step id or path}`: seq makes it unique across loops, re-entries of a
// stage and continue-as-new; the rest makes it readable in the database and in Temporal.
function stepKey(state: JourneyState, cursor: Cursor, step: Step): string {
  return `${keyPrefix(state)}${state.seq}:${state.stage}.${step.id ?? locationOf(cursor)}`;
}

/** A key for work that is not a step of the file (enrollment, goal jumps, stall handling). */
function mintKey(ctx: Ctx, stage: string, label: string): string {
  ctx.state.seq += 1;
  return `${keyPrefix(ctx.state)}${ctx.state.seq}:${stage}.${label}`;
}

function note(ctx: Ctx, e: Omit<HistoryEntry, 'at' | 'stage'>): void {
  ctx.state.history = pushHistory(ctx.state.history, { at: ctx.fx.now(), stage: ctx.state.stage, ...e });
}

function moveTo(ctx: Ctx, path: StepPath): void {
  ctx.state.cursor = { root: current(ctx).root, path, stepKey: null };
  ctx.state.wait = null;
}

function advance(ctx: Ctx): void {
  const path = current(ctx).path;
  moveTo(ctx, [...path.slice(0, -1), (path[path.length - 1] as number) + 1]);
}

function branch(ctx: Ctx, name: 'then' | 'otherwise' | 'else'): void {
  moveTo(ctx, [...current(ctx).path, name, 0]);
}

async function enterStage(ctx: Ctx, to: string, reason: string, key?: string, at: StepPath = [0]): Promise<void> {
  const { state } = ctx;
  const from = state.stage;
  const stepKey = key ?? mintKey(ctx, to, 'enter');
  // State first: events arriving during the setStage effect are judged against the new stage.
  Object.assign(state, {
    stage: to,
    stageEnteredAt: ctx.fx.now(),
    stalled: false,
    stalledAt: null,
    cursor: { root: 'steps', path: at, stepKey: null },
    wait: null,
    interrupted: null,
    // A discount belongs to the stage that issued it; onboarding mail should not carry it.
    discount: null,
  } satisfies Partial<JourneyState>);
  note(ctx, { kind: 'stage', stepKey, detail: `${from ?? '(start)'} -> ${to}: ${reason}` });
  await ctx.fx.setStage({ stepKey, from, to, reason });
}

async function finishBlock(ctx: Ctx): Promise<void> {
  const { state, campaign } = ctx;
  const cursor = current(ctx);
  if (cursor.path.length > 1) {
    const parent = cursor.path.slice(0, -2);
    moveTo(ctx, [...parent.slice(0, -1), (parent[parent.length - 1] as number) + 1]);
    return;
  }
  if (cursor.root === 'reengage') {
    if (state.interrupted === null) throw new Error('re-engagement ended with nothing to resume');
    state.cursor = state.interrupted.cursor;
    state.wait = state.interrupted.wait;
    state.interrupted = null;
    return;
  }
  const next = nextStage(campaign, state.stage);
  if (next === undefined) throw new End({ kind: 'completed', reason: `finished the last stage (${state.stage})` });
  await enterStage(ctx, next, `finished stage ${state.stage}`);
}

/** Acts on what events left pending: exits first, then qualification, then goal jumps. */
async function handlePending(ctx: Ctx): Promise<void> {
  const { state, campaign, fx } = ctx;
  if (state.pendingExit !== null) throw new End({ kind: 'exited', reason: state.pendingExit });
  const stage = state.stage ?? '';
  if (state.qualificationPending) {
    state.qualificationPending = false;
    const q = campaign.scoring.qualification;
    const key = mintKey(ctx, stage, 'qualified');
    const reason = `score ${state.score} reached the qualification threshold ${q?.threshold}`;
    note(ctx, { kind: 'flag', stepKey: key, detail: `qualified: ${reason}` });
    await fx.flag({ stepKey: key, kind: 'qualified', stage, reason });
    // A lead already past the qualification stage (a customer) is no news to sales.
    const pastIt = q?.stage !== undefined && stageIndex(campaign, state.stage) > stageIndex(campaign, q.stage);
    if (q?.notify !== undefined && !pastIt) {
      note(ctx, { kind: 'notify', stepKey: `${key}.notify`, detail: `sales: lead qualified` });
      await fx.notifySales({ stepKey: `${key}.notify`, target: q.notify, reason: `lead qualified: ${reason}`, stage });
    }
  }
  const goal = state.pendingGoal;
  if (goal !== null) {
    state.pendingGoal = null;
    if (!goal.force && !goalMovesForward(campaign, state, goal.stage, goal.at)) return;
    const at = goal.at === undefined ? undefined : (findStepPath(campaign.stages[goal.stage]?.steps ?? [], goal.at) ?? undefined);
    if (goal.stage !== state.stage || (goal.force && at === undefined))
      return enterStage(ctx, goal.stage, goal.reason, undefined, at);
    // A jump within the stage is not a stage change: no stage history row, same stall clock.
    Object.assign(state, { cursor: { root: 'steps', path: at ?? [0], stepKey: null }, wait: null, interrupted: null });
    note(ctx, { kind: 'goal', detail: `${goal.reason}: on to ${goal.at} in ${goal.stage}` });
  }
}

function pendingInterrupt(state: JourneyState): boolean {
  return state.pendingExit !== null || state.pendingGoal !== null || state.qualificationPending;
}

/**
 * Waits for state.wait: returns 'woke' when wake() holds, 'timeout' at its deadline. Throws
 * Redirect when something more important happened, End when the lead went dormant.
 */
async function pause(ctx: Ctx, wake: () => boolean): Promise<'woke' | 'timeout'> {
  const { state, fx } = ctx;
  for (;;) {
    if (pendingInterrupt(state)) throw new Redirect();
    if (wake()) return 'woke';
    const wait = state.wait;
    if (wait === null) throw new Error('pause without a wait');
    const now = fx.now();
    if (wait.deadline !== null && now >= wait.deadline) return 'timeout';
    const stall = nextStallCheck(ctx.campaign, state);
    if (stall !== null && now >= stall.at) {
      await onStall(ctx, stall.kind);
      continue;
    }
    const deadlines = [wait.deadline, stall?.at ?? null].filter((d): d is number => d !== null);
    const woke = await fx.waitUntil(
      deadlines.length > 0 ? Math.min(...deadlines) : null,
      () => pendingInterrupt(state) || wake(),
    );
    if (woke === 'continueAsNew') throw new Suspend();
  }
}

async function onStall(ctx: Ctx, kind: StallDue['kind']): Promise<void> {
  const { state, fx } = ctx;
  const stage = state.stage ?? '';
  const rule = ctx.campaign.stages[stage]?.stall;
  if (rule === undefined) return;
  if (kind === 'dormant') {
    const reason = `no engagement for ${formatDuration(rule.dormantAfter ?? 0)} after stalling in ${stage}`;
    const key = mintKey(ctx, stage, 'dormant');
    note(ctx, { kind: 'flag', stepKey: key, detail: `dormant: ${reason}` });
    await fx.flag({ stepKey: key, kind: 'dormant', stage, reason });
    throw new End({ kind: 'dormant', reason });
  }
  const reason = `no engagement for ${formatDuration(rule.after)} in ${stage}`;
  const key = mintKey(ctx, stage, 'stall');
  state.stalled = true;
  state.stalledAt = fx.now();
  note(ctx, { kind: 'flag', stepKey: key, detail: `stalled: ${reason}` });
  await fx.flag({ stepKey: key, kind: 'stalled', stage, reason });
  if (rule.notify !== undefined) {
    note(ctx, { kind: 'notify', stepKey: `${key}.notify`, detail: 'sales: lead stalled' });
    await fx.notifySales({ stepKey: `${key}.notify`, target: rule.notify, reason: `lead stalled: ${reason}`, stage });
  }
  // Re-engagement interrupts the main program, which resumes (same wait, same deadline)
  // when the branch ends. It does not nest: a stall inside it only flags again.
  if ((rule.reengage?.length ?? 0) > 0 && current(ctx).root === 'steps') {
    state.interrupted = { cursor: current(ctx), wait: state.wait };
    state.cursor = { root: 'reengage', path: [0], stepKey: null };
    state.wait = null;
    throw new Redirect();
  }
}

/** The step's own wait if it already started one (re-entry), else a new one. */
function ensureWait(ctx: Ctx, key: string, make: (now: number) => Omit<WaitState, 'stepKey' | 'since'>): WaitState {
  const existing = ctx.state.wait;
  if (existing !== null && existing.stepKey === key) return existing;
  const now = ctx.fx.now();
  ctx.state.wait = { stepKey: key, since: now, ...make(now) };
  return ctx.state.wait;
}

const never = () => false;

async function runStep(ctx: Ctx, step: Step, key: string): Promise<void> {
  const { state, fx } = ctx;
  const stage = state.stage ?? '';
  switch (step.kind) {
    case 'send':
      await runSend(ctx, step.send, key, step.anytime === true);
      return advance(ctx);
    case 'wait':
      ensureWait(ctx, key, (now) => ({ kind: 'wait', deadline: now + step.wait }));
      await pause(ctx, never);
      return advance(ctx);
    case 'waitFor': {
      const fresh = state.wait?.stepKey !== key;
      const wait = ensureWait(ctx, key, (now) => ({
        kind: 'waitFor',
        deadline: step.within === null ? null : now + step.within,
        events: step.waitFor,
        ...(step.where !== undefined ? { where: step.where } : {}),
      }));
      if (fresh) {
        const early = takeEarlyMatch(state, wait);
        if (early !== undefined) state.wait = { ...wait, matched: early };
      }
      const outcome = await pause(ctx, () => state.wait?.matched !== undefined);
      const matched = state.wait?.matched;
      state.lookbackFrom = fx.now();
      note(ctx, {
        kind: 'branch',
        stepKey: key,
        detail: matched ? `${matched.type} came first` : `no ${step.waitFor.join('/')} in time`,
      });
      return branch(ctx, outcome === 'woke' ? 'then' : 'otherwise');
    }
    case 'goto':
      return enterStage(ctx, step.goto, `goto from ${stage}`, key);
    case 'if': {
      const holds = conditionHolds(state, step.if);
      note(ctx, { kind: 'branch', stepKey: key, detail: `condition ${holds ? 'held' : 'did not hold'} (score ${state.score})` });
      return branch(ctx, holds ? 'then' : 'else');
    }
    case 'discount': {
      const d = await fx.issueDiscount({ stepKey: key, percent: step.discount.percent, validForMs: step.discount.validFor });
      state.discount = d;
      note(ctx, {
        kind: 'discount',
        stepKey: key,
        detail: `${d.code}: ${d.percent}% until ${new Date(d.expiresAt).toISOString()}`,
      });
      return advance(ctx);
    }
    case 'notifySales': {
      const { reason, ...target } = step.notifySales;
      note(ctx, { kind: 'notify', stepKey: key, detail: `sales: ${reason ?? `step ${key}`}` });
      await fx.notifySales({ stepKey: key, target, reason: reason ?? `campaign step in ${stage}`, stage });
      return advance(ctx);
    }
    case 'flag':
      note(ctx, { kind: 'flag', stepKey: key, detail: `manual: ${step.flag}` });
      await fx.flag({ stepKey: key, kind: 'manual', stage, reason: step.flag });
      return advance(ctx);
    case 'exit':
      throw new End({ kind: 'exited', reason: step.exit });
  }
}

async function runSend(ctx: Ctx, templateId: string, key: string, anytime: boolean): Promise<void> {
  const { state, campaign, fx } = ctx;
  for (;;) {
    if (state.wait !== null && state.wait.stepKey === key) {
      await pause(ctx, never);
      state.wait = null;
    }
    const now = fx.now();
    if (campaign.sendWindow !== undefined && !anytime) {
      const open = nextSendTime(now, campaign.sendWindow, effectiveTimeZone(state.lead.timezone, campaign.timezone));
      if (open > now) {
        state.wait = { stepKey: key, kind: 'window', since: now, deadline: open };
        continue;
      }
    }
    const discount = state.discount !== null && state.discount.expiresAt > now ? state.discount : undefined;
    const stage = state.stage ?? '';
    const outcome = await fx.send({ stepKey: key, templateId, stage, ...(discount ? { discount } : {}) });
    if (outcome.status === 'sent') {
      state.lookbackFrom = fx.now();
      note(ctx, { kind: 'send', stepKey: key, detail: templateId });
      return;
    }
    if (outcome.status === 'capped') {
      const retryAt = Math.max(outcome.retryAt, fx.now() + MIN_RETRY_MS);
      note(ctx, {
        kind: 'deferred',
        stepKey: key,
        detail: `${templateId}: frequency cap, retry at ${new Date(retryAt).toISOString()}`,
      });
      state.wait = { stepKey: key, kind: 'capped', since: now, deadline: retryAt };
      continue;
    }
    if (outcome.status === 'failed') {
      // Flagged for a person either way; send-failures.ts says whether the journey goes on.
      const reason = `${templateId} cannot be sent (${outcome.failure}): ${outcome.reason}`;
      note(ctx, { kind: 'flag', stepKey: key, detail: `failed: ${reason}` });
      await fx.flag({ stepKey: key, kind: 'failed', stage, reason });
      if (endsJourney(outcome.failure)) throw new End({ kind: 'exited', reason });
      return;
    }
    throw new End({ kind: 'exited', reason: `${templateId} ${outcome.status}: ${outcome.reason}` });
  }
}
