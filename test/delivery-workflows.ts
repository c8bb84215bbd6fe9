// Workflows for the delivery tests only: each runs one activity with the journey's own retry
// policy, so a test drives a send through a real worker and real Temporal retries without
// depending on which step a campaign happens to start with.
import { proxyActivities } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.ts';
import type { SendEmailRequest, SendEmailResult } from '../activities/email/send.ts';
import type { IssueDiscountRequest } from '../activities/discount.ts';
import type { IssuedDiscount } from '../core/journey/state.ts';
import { JOURNEY_ACTIVITY_OPTIONS } from '../workflows/journey/activity-options.ts';

const activities = proxyActivities<JourneyActivities>(JOURNEY_ACTIVITY_OPTIONS);

export async function deliverySend(req: SendEmailRequest): Promise<SendEmailResult> {
  return activities.sendEmail(req);
}

/** Issues a discount, then sends the step's email carrying it: the journey's discount path. */
export async function deliveryDiscountSend(
  issue: IssueDiscountRequest,
  send: Omit<SendEmailRequest, 'discount'>,
): Promise<{ discount: IssuedDiscount; outcome: SendEmailResult }> {
  const discount = await activities.issueDiscount(issue);
  const again = await activities.issueDiscount({ ...issue, stepKey: `${issue.stepKey}-again` });
  if (again.code !== discount.code) throw new Error(`second discount step got ${again.code}, first ${discount.code}`);
  const outcome = await activities.sendEmail({ ...send, discount });
  return { discount, outcome };
}
