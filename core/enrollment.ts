// Where an enrollment row (enrollments.status) stands. The row is written before its journey is
// started in Temporal, so it begins `pending`: written, its journey not yet known to exist. It
// becomes `active` once the journey is known to exist (the API after Temporal accepted the
// signup, the journey's first stage change, or the reconciler, worker/enrollment-reconciler.ts),
// then takes the journey's end. A `pending` row whose journey never started is removed by the
// reconciler. The database holds the same list (CHECK enrollments_status_known).
import type { JourneyEndKind } from './journey/state.ts';

export type EnrollmentStatus = 'pending' | 'active' | JourneyEndKind;

/**
 * A journey runs or is starting: engagement is signalled to it, it can be moved by hand, it
 * counts as in the funnel now (not lost). A pending row whose journey never started is not
 * found in Temporal and is skipped like an ended one.
 */
export const OPEN_ENROLLMENT_STATUSES = ['pending', 'active'] as const satisfies readonly EnrollmentStatus[];

export function isOpenEnrollment(status: string): boolean {
  return (OPEN_ENROLLMENT_STATUSES as readonly string[]).includes(status);
}
