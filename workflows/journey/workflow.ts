// The durable shell of a lead's journey. Thin on purpose: deterministic, no I/O; every
// side effect is an activity.
import { condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { JourneyActivities } from '../../activities/index.ts';
import { FunnelStageKey } from './search-attributes.ts';
import { engagementSignal, signupSignal, statusQuery, type JourneyInput, type JourneyStatus } from './types.ts';

const EXIT_EVENTS = new Set(['unsubscribe', 'complaint', 'bounce']);

const activities = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function journeyWorkflow(input: JourneyInput): Promise<void> {
  const { workflowId } = workflowInfo();
  const status: JourneyStatus = { stage: null, sent: [] };
  let exited = false;

  setHandler(signupSignal, () => {
    // A repeated signup reaches the running journey and changes nothing.
  });
  setHandler(engagementSignal, (event) => {
    if (EXIT_EVENTS.has(event.type)) exited = true;
  });
  setHandler(statusQuery, () => status);

  const stage = 'awareness';
  await activities.recordStageChange({
    workflowId,
    stepKey: 'enroll',
    leadId: input.lead.id,
    campaignId: input.campaignId,
    from: null,
    to: stage,
    reason: 'signup',
  });
  status.stage = stage;
  upsertSearchAttributes([{ key: FunnelStageKey, value: stage }]);

  const outcome = await activities.sendEmail({
    workflowId,
    stepKey: 'welcome',
    leadId: input.lead.id,
    campaignId: input.campaignId,
    templateId: 'welcome',
    stage,
  });
  status.sent.push({ stepKey: 'welcome', templateId: 'welcome', status: outcome.status });

  await condition(() => exited);
}
