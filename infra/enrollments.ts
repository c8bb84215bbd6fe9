// The enrollment row's way from `pending` to `active` (core/enrollment.ts), shared by the API
// (a signup), the journey's activities and the reconciler. Each step is a guarded single-row
// write, so concurrent signups, several workers' reconcilers and the journey itself can run
// them in any order without one undoing another.
import type { Db } from './db.ts';

export interface EnrollmentKey {
  leadId: string;
  campaignId: string;
  campaignVersion: string;
  workflowId: string;
}

/**
 * Before the journey is asked to start: a new enrollment is written `pending`; a pending one
 * (an earlier attempt that failed or died) is touched, its `enrolled_at` set to now. The touch
 * tells the reconciler that an attempt is under way (it removes a pending row only if
 * `enrolled_at` is still what it read). Active and ended rows are left as they are: their
 * journey exists, or a re-enrollment makes the new run record its start.
 */
export async function claimEnrollment(db: Db, key: EnrollmentKey): Promise<void> {
  const { count } = await db.enrollment.updateMany({
    where: { leadId: key.leadId, campaignId: key.campaignId, status: 'pending' },
    data: { enrolledAt: new Date() },
  });
  if (count > 0) return;
  // ON CONFLICT DO NOTHING: concurrent signups never race on the (lead, campaign) key.
  await db.enrollment.createMany({ data: [{ ...key, status: 'pending' }], skipDuplicates: true });
}

/**
 * Temporal accepted the journey: a pending row becomes active. Where the row is gone (a
 * reconciler removed it while this request was stalled past the reconciler's grace period), it
 * is written again, active: the journey exists now.
 */
export async function markEnrollmentStarted(db: Db, key: EnrollmentKey): Promise<void> {
  const { count } = await db.enrollment.updateMany({
    where: { workflowId: key.workflowId, status: 'pending' },
    data: { status: 'active' },
  });
  if (count > 0) return;
  await db.enrollment.createMany({ data: [{ ...key, status: 'active' }], skipDuplicates: true });
}
