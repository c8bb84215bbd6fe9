// The durable shell of a lead's journey. The journey logic lives in the pure interpreter
// (core/journey), shared with the simulator; this file only maps its effects onto Temporal:
// activities for side effects, `condition` timers for waits, signals for engagement,
// search attributes for the stage and stall, continue-as-new to keep history bounded.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JourneyActivities } from '../../activities/index.ts';
import type { JourneyEffects, JourneyResult, SendOutcome } from '../../core/journey/effects.ts';
import { runJourney } from '../../core/journey/interpreter.ts';
import { describeJourney } from '../../core/journey/query.ts';
import { isPermanentSendFailure } from '../../core/journey/send-failures.ts';
import { moveLead, newJourneyState, receiveEvent } from '../../core/journey/state.ts';
import { JOURNEY_ACTIVITY_OPTIONS } from './activity-options.ts';
import { FailedStepKey, FunnelStageKey, StalledKey } from './search-attributes.ts';
import { engagementSignal, moveStageSignal, signupSignal, statusQuery, type JourneyInput, type SignupSignal } from './types.ts';

const DEFAULT_HISTORY_LIMIT = 5_000;

/** Patch ids (workflows/README.md): named after what they change, never renamed or reused. */
const PATCHES = {
  /**
   * A send that can never succeed (core/journey/send-failures.ts) is flagged and skipped or
   * ends the journey. Before, its failure failed the whole workflow.
   */
  permanentSendFailures: 'permanent-send-failures',
  /** The journey continues as new while it waits too, not only between steps. */
  continueAsNewWhileWaiting: 'continue-as-new-while-waiting',
} as const;

const activities = proxyActivities<JourneyActivities>(JOURNEY_ACTIVITY_OPTIONS);

export async function journeyWorkflow(input: JourneyInput): Promise<JourneyResult> {
  const { workflowId } = workflowInfo();
  const { campaign, lead } = input;
  const ref = { workflowId, leadId: lead.id, campaignId: campaign.id };
  const state =
    input.state ??
    newJourneyState({
      campaign,
      lead: { ...lead, properties: lead.properties ?? {} },
      now: Date.now(),
      campaignVersion: input.campaignVersion,
      // Step keys (and so email idempotency keys) must not repeat when a lead re-enrolls
      // under the same workflow id; the start time tells enrollments apart.
      enrollment: campaign.allowReenrollment ? Date.now() : 1,
    });
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  // Who moved the lead by hand, kept until the interpreter records that stage change.
  let manualMove: { to: string; actor: string } | null = null;
  // What PostgreSQL and the search attributes last heard about score and stall.
  let synced = { score: state.score, stalled: state.stalled, lastEngagementAt: state.lastEngagementAt };
  const dirty = () =>
    state.score !== synced.score || state.stalled !== synced.stalled || state.lastEngagementAt !== synced.lastEngagementAt;

  // A repeated signup reaches the running journey and changes nothing, unless the journey
  // has ended and the campaign allows re-enrollment: then it starts over (see the end).
  let signupAfterEnd: SignupSignal | null = null;
  // The signup that started this run (signal-with-start delivers it before the first await).
  let startedBy: SignupSignal | null = null;
  setHandler(signupSignal, (signup) => {
    startedBy ??= signup;
    if (state.ended !== null && campaign.allowReenrollment) signupAfterEnd = signup;
  });
  setHandler(engagementSignal, (e) => {
    receiveEvent(
      state,
      campaign,
      { id: e.eventId, type: e.type, occurredAt: Date.parse(e.occurredAt), data: e.data },
      Date.now(),
    );
  });
  setHandler(moveStageSignal, ({ to, actor, reason }) => {
    if (!(to in campaign.stages) || state.ended !== null) return;
    manualMove = { to, actor };
    moveLead(state, to, reason ?? `moved by ${actor}`);
  });
  setHandler(statusQuery, () => describeJourney(state, campaign));

  async function sync(): Promise<void> {
    const now = { score: state.score, stalled: state.stalled, lastEngagementAt: state.lastEngagementAt };
    if (now.stalled !== synced.stalled) upsertSearchAttributes([{ key: StalledKey, value: now.stalled }]);
    synced = now;
    await activities.syncEnrollment({
      workflowId,
      score: now.score,
      stalled: now.stalled,
      lastEngagementAt: now.lastEngagementAt === null ? null : new Date(now.lastEngagementAt).toISOString(),
    });
  }

  const historyTooLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;

  const effects: JourneyEffects = {
    now: () => Date.now(),
    async waitUntil(deadline, done) {
      // Wake for engagement that changes the score or the stall too, to record it promptly.
      for (;;) {
        // Histories recorded before the patch waited through a long history: they replay so.
        const mayContinueAsNew = patched(PATCHES.continueAsNewWhileWaiting);
        const suspend = () => mayContinueAsNew && historyTooLong();
        if (suspend()) return 'continueAsNew';
        const remaining = deadline === null ? undefined : Math.max(0, deadline - Date.now());
        const woke =
          remaining === undefined
            ? (await condition(() => done() || dirty() || suspend()), true)
            : await condition(() => done() || dirty() || suspend(), remaining);
        if (dirty()) await sync();
        if (done()) return true;
        if (suspend()) return 'continueAsNew';
        if (!woke || (deadline !== null && Date.now() >= deadline)) return false;
      }
    },
    async send(req) {
      try {
        const outcome = await activities.sendEmail({
          ...ref,
          stepKey: req.stepKey,
          templateId: req.templateId,
          stage: req.stage,
          discount: req.discount,
          frequencyCap: campaign.frequencyCap && { max: campaign.frequencyCap.max, perMs: campaign.frequencyCap.per },
        });
        return outcome.status === 'sent' ? { status: 'sent' } : outcome;
      } catch (err) {
        const failed = permanentSendFailure(err);
        if (failed === undefined || !patched(PATCHES.permanentSendFailures)) throw err;
        return failed;
      }
    },
    async setStage(change) {
      const actor = manualMove?.to === change.to ? manualMove.actor : undefined;
      if (actor) manualMove = null;
      await activities.recordStageChange({ ...ref, ...change, actor, at: new Date().toISOString() });
      upsertSearchAttributes([
        { key: FunnelStageKey, value: change.to },
        { key: StalledKey, value: false },
      ]);
      synced = { ...synced, stalled: false };
    },
    async flag(f) {
      await activities.recordFlag({ ...ref, ...f, at: new Date().toISOString() });
      if (f.kind === 'stalled') {
        upsertSearchAttributes([{ key: StalledKey, value: true }]);
        synced = { ...synced, stalled: true };
      } else if (f.kind === 'failed') {
        upsertSearchAttributes([{ key: FailedStepKey, value: f.stepKey }]);
      }
    },
    async notifySales(n) {
      await activities.notifySales({ ...ref, ...n });
    },
    async issueDiscount(d) {
      const issued = await activities.issueDiscount({ ...ref, ...d });
      // Histories recorded by earlier releases hold the expiry as an ISO string.
      const expiresAt: number | string = issued.expiresAt;
      return {
        code: issued.code,
        percent: issued.percent,
        expiresAt: typeof expiresAt === 'string' ? Date.parse(expiresAt) : expiresAt,
      };
    },
    shouldContinueAsNew: historyTooLong,
  };

  // A re-enrollment reuses the enrollment row: a new run marks it active again. Runs of the
  // releases before 4062d8f did not, and must replay so: their signup signals carried no
  // campaign, and they never continued as new without a state (see signupAfterEnd below).
  const sinceReenrollmentFix =
    (startedBy as SignupSignal | null)?.campaign !== undefined ||
    (startedBy === null && workflowInfo().continuedFromExecutionRunId !== undefined);
  if (campaign.allowReenrollment && input.state === undefined && sinceReenrollmentFix) {
    await activities.recordJourneyStart({ workflowId, campaignVersion: input.campaignVersion });
  }
  const result = await runJourney(campaign, state, effects);
  if (result.kind === 'continueAsNew') {
    const continueAsNew = makeContinueAsNewFunc<typeof journeyWorkflow>({
      typedSearchAttributes: workflowInfo().typedSearchAttributes,
    });
    return continueAsNew({ ...input, state: result.state });
  }
  if (dirty()) await sync();
  await activities.recordJourneyEnd({ workflowId, status: result.kind, reason: result.reason, at: new Date().toISOString() });
  // A signup that arrived while this run was ending (signal-with-start then signals instead of
  // starting a new run) would otherwise be lost: start over as a new enrollment. Signups from
  // releases before 4062d8f carried no campaign; those runs completed, and must replay so.
  const again = signupAfterEnd as SignupSignal | null;
  if (again !== null && again.campaign !== undefined) {
    const { historyLimit } = input;
    return makeContinueAsNewFunc<typeof journeyWorkflow>({ typedSearchAttributes: workflowInfo().typedSearchAttributes })({
      version: 1,
      lead: again.lead,
      campaign: again.campaign ?? campaign,
      campaignVersion: again.campaignVersion ?? input.campaignVersion,
      ...(historyLimit !== undefined ? { historyLimit } : {}),
    });
  }
  return result;
}

/** The outcome for a send activity that failed for good, or undefined for any other failure. */
function permanentSendFailure(err: unknown): SendOutcome | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const { type, message } = err.cause;
  return isPermanentSendFailure(type) ? { status: 'failed', failure: type, reason: message } : undefined;
}
