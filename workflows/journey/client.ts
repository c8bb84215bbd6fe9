// Client-side lifecycle of a journey: enroll (or reach) a lead's journey, send it events.
// Used by the API and the CLI; never imported by workflow code.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { CampaignIdKey, FunnelStageKey, StalledKey } from './search-attributes.ts';
import { journeyWorkflowId, signupSignal, type JourneyInput, type LeadSnapshot } from './types.ts';

export interface EnrollResult {
  workflowId: string;
  /** false when the lead's journey in this campaign has already ended. */
  enrolled: boolean;
}

/**
 * Signal-with-start on a deterministic workflow id: a repeated or concurrent signup reaches
 * the same running journey; an ended journey is not started again.
 */
export async function enrollLead(
  client: Client,
  opts: { lead: LeadSnapshot; campaignId: string; taskQueue: string },
): Promise<EnrollResult> {
  const workflowId = journeyWorkflowId(opts.campaignId, opts.lead.id);
  const input: JourneyInput = { version: 1, lead: opts.lead, campaignId: opts.campaignId };
  try {
    await client.workflow.signalWithStart('journeyWorkflow', {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [input],
      signal: signupSignal,
      signalArgs: [{ lead: opts.lead }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: CampaignIdKey, value: opts.campaignId },
        { key: FunnelStageKey, value: 'enrolled' },
        { key: StalledKey, value: false },
      ],
    });
    return { workflowId, enrolled: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, enrolled: false };
    throw err;
  }
}
