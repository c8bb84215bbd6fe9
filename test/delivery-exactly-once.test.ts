// A step's email goes out once: when the activity fails after SMTP accepted the message and
// Temporal retries it, when the step runs again, and when attempts race. The one documented
// gap (a worker that died before anything recorded the accept) resends with the same
// Message-ID once the claim's lease has run out.
// The inbox stores a message before it answers 250, so once a send has returned, every
// message it delivered is already there: counting needs no waiting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { ApplicationFailure } from '@temporalio/common';
import { CLAIM_LEASE_MS } from '../activities/email/claim.ts';
import { sendActivities } from '../activities/email/send.ts';
import { loadCatalog } from '../email/index.ts';
import { createMailer, messageIdFor, type Mailer } from '../infra/mailer.ts';
import { startDeliveryStack, type DeliveryStack } from './delivery-support.ts';
import { effectKey } from '../core/journey/effect-key.ts';

const failAfterAccept = new Set<string>();
let stack: DeliveryStack;
let mailer: Mailer;
beforeAll(async () => {
  stack = await startDeliveryStack({
    faults: {
      // Fails the attempt once, after SMTP said 250 and before the outcome is recorded.
      afterSmtpAccept(key) {
        if (failAfterAccept.delete(key)) throw new Error('injected fault: attempt lost after SMTP accepted the message');
      },
    },
  });
  mailer = createMailer(stack.config);
});
afterAll(async () => {
  mailer?.close();
  await stack?.close();
});

describe('sendEmail exactly once', () => {
  it('delivers one message when the attempt fails after SMTP accepted and Temporal retries', async () => {
    const lead = await stack.lead({ label: 'accept-fault', firstName: 'Ada' });
    const req = stack.request(lead);
    failAfterAccept.add(effectKey(req));

    const { outcome, attempts } = await stack.send(req);
    expect(outcome).toEqual({ status: 'sent', messageId: messageIdFor(effectKey(req), stack.config.MAIL_FROM) });
    // The fault really fired and Temporal really retried.
    expect(attempts).toEqual([{ activity: 'sendEmail', attempts: 2, lastFailure: expect.stringContaining('injected fault') }]);
    expect(stack.inbox.to(lead.email)).toHaveLength(1);
    const row = await stack.db.sentMessage.findUniqueOrThrow({ where: { idempotencyKey: effectKey(req) } });
    expect(row.status).toBe('sent');
    expect(row.smtpResponse).toMatch(/^250/);
  });

  it('sends nothing when a finished step runs again', async () => {
    const lead = await stack.lead({ label: 'rerun', firstName: 'Grace' });
    const req = stack.request(lead);
    const first = await stack.send(req);
    const second = await stack.send(req);
    expect(second.outcome).toEqual(first.outcome);
    expect(stack.inbox.to(lead.email)).toHaveLength(1);
  });

  it('lets exactly one of several concurrent attempts of a step send', async () => {
    const lead = await stack.lead({ label: 'race', firstName: 'Linus' });
    const req = stack.request(lead);
    const { sendEmail } = sendActivities({
      db: stack.db,
      mailer,
      catalog: loadCatalog(stack.config.templatesDir),
      config: stack.config,
    });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => sendEmail(req)));
    // Each attempt either sent, found the step sent, or was told another attempt holds it.
    for (const r of results) {
      if (r.status === 'fulfilled') expect(r.value.status).toBe('sent');
      else expect((r.reason as ApplicationFailure).type).toBe('SendInProgress');
    }
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(stack.inbox.to(lead.email)).toHaveLength(1);
  });

  it('does not send while another attempt holds a fresh claim', async () => {
    const lead = await stack.lead({ label: 'held', firstName: 'Barbara' });
    const req = stack.request(lead);
    await seedClaim(req, lead, new Date(Date.now() - 30_000));
    const { sendEmail } = sendActivities({
      db: stack.db,
      mailer,
      catalog: loadCatalog(stack.config.templatesDir),
      config: stack.config,
    });
    const err = await sendEmail(req).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('SendInProgress');
    // Temporal is asked to come back when the lease runs out, not to hammer the row.
    expect(Number((err as ApplicationFailure).nextRetryDelay)).toBeGreaterThan(CLAIM_LEASE_MS - 60_000);
    expect(stack.inbox.to(lead.email)).toHaveLength(0);
  });

  it('resends with the same Message-ID when the claiming worker died before recording (the documented gap)', async () => {
    const lead = await stack.lead({ label: 'stale', firstName: 'Edsger' });
    const req = stack.request(lead);
    await seedClaim(req, lead, new Date(Date.now() - CLAIM_LEASE_MS - 1000));

    const { outcome } = await stack.send(req);
    expect(outcome.status).toBe('sent');
    const received = await stack.inbox.waitFor((m) => m.to.includes(lead.email));
    expect((await simpleParser(received.raw)).messageId).toBe(messageIdFor(effectKey(req), stack.config.MAIL_FROM));
    expect((await stack.db.sentMessage.findUniqueOrThrow({ where: { idempotencyKey: effectKey(req) } })).status).toBe('sent');
  });
});

/** A row as an attempt leaves it between claiming and recording. */
async function seedClaim(req: ReturnType<DeliveryStack['request']>, lead: { id: string; email: string }, claimedAt: Date) {
  await stack.db.sentMessage.create({
    data: {
      idempotencyKey: effectKey(req),
      leadId: lead.id,
      workflowId: req.workflowId,
      stepKey: req.stepKey,
      campaignId: req.campaignId,
      templateId: req.templateId,
      stage: req.stage,
      toAddress: lead.email,
      messageId: messageIdFor(effectKey(req), stack.config.MAIL_FROM),
      status: 'claimed',
      claimedAt,
    },
  });
}
