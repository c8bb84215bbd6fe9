// Inputs, signals and queries of the journey workflow. Inputs are versioned as a
// discriminated union so that running journeys keep working when the input shape grows.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export interface LeadSnapshot {
  id: string;
  email: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  timezone?: string;
  properties?: Record<string, string | number | boolean>;
}

export interface JourneyInputV1 {
  version: 1;
  lead: LeadSnapshot;
  campaignId: string;
}

export type JourneyInput = JourneyInputV1;

export interface EngagementSignal {
  eventId: string;
  type: string;
  occurredAt: string;
  data?: Record<string, unknown>;
}

export const signupSignal = defineSignal<[{ lead: LeadSnapshot }]>('signup');
export const engagementSignal = defineSignal<[EngagementSignal]>('engagement');

export interface JourneyStatus {
  stage: string | null;
  sent: Array<{ stepKey: string; templateId: string; status: string }>;
}
export const statusQuery = defineQuery<JourneyStatus>('status');

export function journeyWorkflowId(campaignId: string, leadId: string): string {
  return `journey/${campaignId}/${leadId}`;
}
