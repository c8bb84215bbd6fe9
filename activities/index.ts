// Every side effect of a journey. Each activity is idempotent: retried by Temporal with
// the same arguments, it has the effect once.
import type { SendDeps } from './email/send.ts';
import { sendActivities } from './email/send.ts';
import { journalActivities } from './journal.ts';
import { discountActivities } from './discount.ts';
import { salesActivities } from './sales.ts';

export type ActivityDeps = SendDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...sendActivities(deps),
    ...journalActivities(deps.db),
    ...discountActivities(deps.db),
    // In a journey a sales webhook that cannot be delivered is recorded as failed and the
    // journey goes on (its activity retries are unbounded; the webhook's are not).
    ...salesActivities(deps, { onFailure: 'record' }),
  };
}

export type JourneyActivities = ReturnType<typeof createActivities>;
