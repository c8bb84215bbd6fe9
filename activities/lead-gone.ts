// A lead erased or deleted while its journey runs. Erasure terminates the lead's journeys
// (privacy/erase.ts), but a row removed any other way must not leave activities retrying
// forever: what a journey records about a lead that no longer exists is dropped, and what
// needs the lead (a send, a discount code, a sales notification) fails for good as LeadGone.
import { ApplicationFailure } from '@temporalio/activity';
import type { PermanentSendFailure } from '../core/journey/send-failures.ts';
import type { Db } from '../infra/db.ts';

const LEAD_GONE: PermanentSendFailure = 'LeadGone';

export function leadGone(leadId: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`lead ${leadId} no longer exists`, LEAD_GONE);
}

/**
 * Runs `work`; if it fails and the lead no longer exists (its rows went with it, so a foreign
 * key or a missing row failed the write), returns `onGone()` instead of the error.
 */
export async function unlessLeadGone<T>(db: Db, leadId: string, work: () => Promise<T>, onGone: () => T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if ((await db.lead.count({ where: { id: leadId } })) === 0) return onGone();
    throw err;
  }
}
