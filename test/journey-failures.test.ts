// A send that can never succeed is not retried forever: the step is flagged ('failed': a
// lead_flags row and the FailedStep search attribute) and the journey skips it when the
// content is at fault, or ends when the lead is (core/journey/send-failures.ts). The journeys
// are started with campaigns the worker does not know, as after a deploy that retired a
// template a running journey still names. A failure that may heal is retried, and flagged
// `retrying` while it keeps failing (worker/retry-watch.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadSnapshotOf } from '../core/lead.ts';
import { campaignFromYaml } from './fixtures/campaigns.ts';
import { enrollLead } from '../workflows/journey/client.ts';
import { FailedStepKey } from '../workflows/journey/search-attributes.ts';
import { sentTemplates } from './support/journeys.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ ACTIVITY_RETRY_ALERT_ATTEMPTS: '2' });
});
afterAll(async () => {
  await stack?.close();
});

/** Starts a journey of `yaml` for a lead row with `email`, as the signup would. */
async function startJourney(yaml: string, email: string) {
  const campaign = campaignFromYaml(yaml);
  const lead = await stack.db.lead.create({ data: { email, firstName: 'Lee' } });
  const { workflowId } = await enrollLead(
    { client: stack.temporal, timeoutMs: 10_000 },
    {
      lead: leadSnapshotOf(lead),
      campaign: { ok: true, file: 'test', campaign, version: 'test' },
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    },
  );
  await stack.db.enrollment.create({
    data: { leadId: lead.id, campaignId: campaign.id, campaignVersion: 'test', workflowId },
  });
  return { lead, workflowId, handle: stack.temporal.workflow.getHandle(workflowId) };
}

async function flags(workflowId: string) {
  return stack.db.leadFlag.findMany({ where: { workflowId }, select: { kind: true, reason: true } });
}

describe('a send that can never succeed', () => {
  it('skips an email whose template is gone, flags it, and goes on', async () => {
    const { workflowId, handle } = await startJourney(
      `
id: t-retired-${Date.now()}
name: Retired template (test)
stages:
  only:
    steps:
      - send: welcome-2019
      - send: welcome
`,
      stack.email('retired'),
    );
    expect(await handle.result()).toEqual({ kind: 'completed', reason: 'finished the last stage (only)' });
    expect(await sentTemplates(stack, workflowId)).toEqual(['welcome']);
    expect(await flags(workflowId)).toEqual([
      { kind: 'failed', reason: expect.stringContaining('welcome-2019 cannot be sent (UnknownTemplate)') },
    ]);
    expect((await handle.describe()).typedSearchAttributes.get(FailedStepKey)).toMatch(/only\.steps\[0\]$/);
  });

  it('ends the journey of a lead whose stored address is not an email address, flagged', async () => {
    const { workflowId, handle } = await startJourney(
      `
id: t-bad-address-${Date.now()}
name: Bad address (test)
stages:
  only:
    steps:
      - send: welcome
      - send: faq
`,
      `no-at-sign-${Date.now()}.example.com`,
    );
    expect(await handle.result()).toMatchObject({ kind: 'exited', reason: expect.stringContaining('(InvalidAddress)') });
    expect(await stack.db.sentMessage.count({ where: { workflowId } })).toBe(0);
    expect(await flags(workflowId)).toEqual([{ kind: 'failed', reason: expect.stringContaining('welcome cannot be sent') }]);
    expect((await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).status).toBe('exited');
    expect((await handle.describe()).typedSearchAttributes.get(FailedStepKey)).toBeDefined();
  });

  it('ends the journey of a lead deleted behind its back, without retrying what it records', async () => {
    const { lead, handle } = await startJourney(
      `
id: t-gone-${Date.now()}
name: Lead gone (test)
stages:
  only:
    steps:
      - wait: 2s
      - send: welcome
`,
      stack.email('gone'),
    );
    await stack.db.lead.delete({ where: { id: lead.id } });
    expect(await handle.result()).toMatchObject({ kind: 'exited', reason: expect.stringContaining('(LeadGone)') });
  });
});

describe('a failure that may heal', () => {
  it('is retried, flagged `retrying` while it keeps failing, and cleared once the send goes out', async () => {
    const email = stack.email('greylisted');
    // The SMTP server defers this address three times, then takes the message.
    stack.inbox.setRecipientRule((address, attempt) =>
      address === email && attempt <= 3 ? { code: 451, message: '4.7.1 greylisted, try again later' } : undefined,
    );
    try {
      const { workflowId } = await startJourney(
        `
id: t-deferred-${Date.now()}
name: Deferred (test)
stages:
  only:
    steps:
      - send: welcome
      - waitFor: purchase
`,
        email,
      );
      await expect
        .poll(() => stack.db.leadFlag.findMany({ where: { workflowId, kind: 'retrying' } }), POLL)
        .toEqual([
          expect.objectContaining({
            reason: expect.stringMatching(/^sendEmail failed [23] times and is being retried: smtp send failed: smtp 451/),
          }),
        ]);
      await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome']);
      const [flag] = await stack.db.leadFlag.findMany({ where: { workflowId, kind: 'retrying' } });
      expect(flag?.clearedAt).toBeInstanceOf(Date);
    } finally {
      stack.inbox.setRecipientRule(undefined);
    }
  });
});
