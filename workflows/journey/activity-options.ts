// How the journey calls its activities: the timeout and the retry policy, in one place for the
// journey workflow and for the delivery tests' workflows that drive one activity the same way.
import type { ActivityOptions } from '@temporalio/workflow';
import { PERMANENT_SEND_FAILURES } from '../../core/journey/send-failures.ts';

export const JOURNEY_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    // The activities throw these as non-retryable already; the policy says so to Temporal too.
    nonRetryableErrorTypes: Object.keys(PERMANENT_SEND_FAILURES),
  },
};
