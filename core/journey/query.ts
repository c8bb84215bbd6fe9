// What a Temporal query (and the dashboard) shows about one lead's journey. Read-only, pure,
// and in the marketer's words, so the workflow's query handler is a one-liner.
import type { Campaign, Step } from '../campaign/schema.ts';
import { formatDuration } from '../campaign/duration.ts';
import { stepAtCursor } from './cursor.ts';
import { nextStallCheck, type HistoryKind, type JourneyState, type WaitState } from './state.ts';

export type JourneyDescription = {
  campaignId: string;
  campaignVersion: string | null;
  leadId: string;
  stage: string | null;
  score: number;
  qualified: boolean;
  stalled: boolean;
  ended: { kind: string; reason: string; at: string } | null;
  /** The step the journey is on and when it moves on; at = null: as soon as possible or on engagement only. */
  next: { stepKey: string | null; step: string; waiting: WaitState['kind'] | null; at: string | null } | null;
  /** When the stage's stall rule will next act if there is no engagement. */
  stallCheck: { kind: 'stall' | 'dormant'; at: string } | null;
  history: Array<{ at: string; kind: HistoryKind; stage: string | null; stepKey?: string; detail: string }>;
};

const iso = (t: number) => new Date(t).toISOString();

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'send':
      return `send ${step.send}`;
    case 'wait':
      return `wait ${formatDuration(step.wait)}`;
    case 'waitFor':
      return `wait for ${step.waitFor.join(' or ')}${step.within === null ? '' : ` within ${formatDuration(step.within)}`}`;
    case 'goto':
      return `go to ${step.goto}`;
    case 'if':
      return 'check a condition';
    case 'discount':
      return `issue a ${step.discount.percent}% discount`;
    case 'notifySales':
      return 'notify sales';
    case 'flag':
      return `flag: ${step.flag}`;
    case 'exit':
      return `exit: ${step.exit}`;
  }
}

export function describeJourney(state: JourneyState, campaign: Campaign): JourneyDescription {
  let next: JourneyDescription['next'] = null;
  if (state.ended === null && state.cursor !== null && state.stage !== null) {
    const step = stepAtCursor(campaign, state.stage, state.cursor);
    const wait = state.wait !== null && state.wait.stepKey === state.cursor.stepKey ? state.wait : null;
    next = {
      stepKey: state.cursor.stepKey,
      step:
        step === undefined
          ? `end of ${state.cursor.root === 'steps' ? `stage ${state.stage}` : 're-engagement'}`
          : describeStep(step),
      waiting: wait?.kind ?? null,
      at: wait?.deadline != null ? iso(wait.deadline) : null,
    };
  }
  const stall = nextStallCheck(campaign, state);
  const stallCheck = stall === null ? null : { kind: stall.kind, at: iso(stall.at) };
  return {
    campaignId: state.campaignId,
    campaignVersion: state.campaignVersion ?? null,
    leadId: state.lead.id,
    stage: state.stage,
    score: state.score,
    qualified: state.qualified,
    stalled: state.stalled,
    ended: state.ended === null ? null : { ...state.ended, at: iso(state.ended.at) },
    next,
    stallCheck,
    history: state.history.map((h) => ({ ...h, at: iso(h.at) })),
  };
}
