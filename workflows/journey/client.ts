// Client-side lifecycle of a journey: enroll (or reach) a lead's journey.
// Used by the API and the CLI; never imported by workflow code.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ParsedCampaign } from '../../core/campaign/load.ts';
import { CampaignIdKey, FunnelStageKey, StalledKey } from './search-attributes.ts';
import { journeyWorkflowId, signupSignal, type JourneyInput, type LeadSnapshot } from './types.ts';

export interface EnrollResult {
  workflowId: string;
  /** false when the lead's journey in this campaign has already ended. */
  enrolled: boolean;
}

/**
 * Signal-with-start on a deterministic workflow id: a repeated or concurrent signup reaches
 * the same running journey. An ended journey is started again only when the campaign allows
 * re-enrollment.
 */
export async function enrollLead(
  client: Client,
  opts: { lead: LeadSnapshot; campaign: ParsedCampaign; taskQueue: string; historyLimit?: number },
): Promise<EnrollResult> {
  const { campaign } = opts.campaign;
  const workflowId = journeyWorkflowId(campaign.id, opts.lead.id);
  const input: JourneyInput = {
    version: 1,
    lead: opts.lead,
    campaign,
    campaignVersion: opts.campaign.version,
    ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}),
  };
  try {
    await client.workflow.signalWithStart('journeyWorkflow', {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [input],
      signal: signupSignal,
      signalArgs: [{ lead: opts.lead, campaign, campaignVersion: opts.campaign.version }],
      workflowIdReusePolicy: campaign.allowReenrollment ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: CampaignIdKey, value: campaign.id },
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
