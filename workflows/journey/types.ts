// Inputs, signals and queries of the journey workflow. Inputs are versioned as a
// discriminated union so that running journeys keep working when the input shape grows.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Campaign } from '../../core/campaign/schema.ts';
import type { JourneyDescription } from '../../core/journey/query.ts';
import type { LeadSnapshot } from '../../core/lead.ts';
import type { JourneyState } from '../../core/journey/state.ts';

export interface JourneyInputV1 {
  version: 1;
  lead: LeadSnapshot;
  /** The campaign as it was when the lead enrolled: edits to the file never reach this run. */
  campaign: Campaign;
  campaignVersion: string;
  /** Continue-as-new after this many history events (Temporal may suggest it earlier). */
  historyLimit?: number;
  /** Set when the journey continues as new: where the previous run stopped. */
  state?: JourneyState;
}

export type JourneyInput = JourneyInputV1;

export interface EngagementSignal {
  eventId: string;
  type: string;
  occurredAt: string;
  data?: Record<string, unknown>;
}

/**
 * A signup that reached this journey. It carries the campaign as it is now, so that a lead
 * signing up again just as a re-enrollable journey ends starts over on the current version.
 */
export interface SignupSignal {
  lead: LeadSnapshot;
  campaign?: Campaign;
  campaignVersion?: string;
}
export const signupSignal = defineSignal<[SignupSignal]>('signup');
export const engagementSignal = defineSignal<[EngagementSignal]>('engagement');

/** A person moves the lead to another stage by hand (the dashboard); recorded with who did it. */
export interface MoveStageSignal {
  to: string;
  actor: string;
  reason?: string;
}
export const moveStageSignal = defineSignal<[MoveStageSignal]>('moveStage');

export const statusQuery = defineQuery<JourneyDescription>('status');

export function journeyWorkflowId(campaignId: string, leadId: string): string {
  return `journey/${campaignId}/${leadId}`;
}
