// Custom search attributes of a journey, registered with the dev server at start-up and
// required on a production cluster (`temporal operator search-attribute create`).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTES = {
  FunnelStage: 'Keyword',
  Stalled: 'Bool',
  CampaignId: 'Keyword',
  // The step key of the last send that could never succeed (a flag of kind 'failed').
  FailedStep: 'Keyword',
} as const;

export const FunnelStageKey = defineSearchAttributeKey('FunnelStage', SearchAttributeType.KEYWORD);
export const StalledKey = defineSearchAttributeKey('Stalled', SearchAttributeType.BOOL);
export const CampaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const FailedStepKey = defineSearchAttributeKey('FailedStep', SearchAttributeType.KEYWORD);
