// The frequency cap, counted across every campaign from sent_messages: a capped send returns
// when it may go, sends nothing and leaves the step free for that later retry.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimStep } from '../activities/email/claim.ts';
import { sendActivities, type SendEmailResult } from '../activities/email/send.ts';
import { loadCatalog } from '../email/index.ts';
import type { Lead } from '../generated/prisma/client.ts';
import { createMailer, type Mailer } from '../infra/mailer.ts';
import { startDeliveryStack, type DeliveryStack } from './delivery-support.ts';
import { effectKey } from '../core/journey/effect-key.ts';

const HOUR = 3_600_000;
let stack: DeliveryStack;
let mailer: Mailer;
beforeAll(async () => {
  stack = await startDeliveryStack();
  mailer = createMailer(stack.config);
});
afterAll(async () => {
  mailer?.close();
  await stack?.close();
});

/** Earlier marketing email to the lead from another campaign, sent `agoMs` ago. */
async function seedSent(lead: Lead, agoMs: number) {
  const key = `journey/other-campaign/${lead.id}#${crypto.randomUUID()}`;
  return stack.db.sentMessage.create({
    data: {
      idempotencyKey: key,
      leadId: lead.id,
      workflowId: `journey/other-campaign/${lead.id}`,
      stepKey: key.split('#')[1]!,
      campaignId: 'other-campaign',
      templateId: 'faq',
      toAddress: lead.email,
      messageId: `<${crypto.randomUUID()}@example.test>`,
      status: 'sent',
      sentAt: new Date(Date.now() - agoMs),
    },
  });
}

describe('frequency cap', () => {
  it('returns capped with the time the oldest counted send leaves the window, and sends nothing', async () => {
    const lead = await stack.lead({ label: 'capped', firstName: 'Ada' });
    const oldest = await seedSent(lead, 50 * 60_000);
    await seedSent(lead, 10 * 60_000);
    await seedSent(lead, 3 * HOUR); // outside the window: not counted
    const req = stack.request(lead, { frequencyCap: { max: 2, perMs: HOUR } });

    const { outcome } = await stack.send(req);
    expect(outcome).toEqual({ status: 'capped', retryAt: oldest.sentAt!.getTime() + HOUR });
    // The step is not consumed: no row, so the retry at retryAt can claim and send it.
    expect(await stack.db.sentMessage.findUnique({ where: { idempotencyKey: effectKey(req) } })).toBeNull();
    expect(stack.inbox.to(lead.email)).toHaveLength(0);

    // Once the window has moved past the oldest send, the same step goes out.
    await stack.db.sentMessage.update({ where: { id: oldest.id }, data: { sentAt: new Date(Date.now() - HOUR - 1000) } });
    const retry = await stack.send(req);
    expect(retry.outcome.status).toBe('sent');
    await stack.inbox.waitFor((m) => m.to.includes(lead.email));
  });

  it('does not limit a send that carries no cap', async () => {
    const lead = await stack.lead({ label: 'uncapped', firstName: 'Grace' });
    for (let i = 0; i < 3; i++) await seedSent(lead, 60_000);
    const { outcome } = await stack.send(stack.request(lead));
    expect(outcome.status).toBe('sent');
  });

  it('lets only `max` of concurrent sends to one lead through, across campaigns', async () => {
    const lead = await stack.lead({ label: 'concurrent', firstName: 'Linus' });
    const { sendEmail } = sendActivities({
      db: stack.db,
      mailer,
      catalog: loadCatalog(stack.config.templatesDir),
      config: stack.config,
    });
    const outcomes: SendEmailResult[] = await Promise.all(
      ['alpha', 'beta', 'gamma', 'delta'].map((campaignId) =>
        sendEmail(
          stack.request(lead, {
            campaignId,
            workflowId: `journey/${campaignId}/${lead.id}`,
            frequencyCap: { max: 1, perMs: HOUR },
          }),
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'sent')).toHaveLength(1);
    const capped = outcomes.filter((o) => o.status === 'capped');
    expect(capped).toHaveLength(3);
    const sent = await stack.db.sentMessage.findFirstOrThrow({ where: { leadId: lead.id, status: 'sent' } });
    // The others were counted against the winner: its claim while in flight, its send after.
    const windowEnds = [sent.claimedAt.getTime() + HOUR, sent.sentAt!.getTime() + HOUR];
    for (const o of capped) expect(windowEnds).toContain((o as { retryAt: number }).retryAt);
    expect(stack.inbox.to(lead.email)).toHaveLength(1);
  });

  it('admits exactly `max` of many claims racing for one address (the claim and the count are atomic)', async () => {
    const lead = await stack.lead({ label: 'claims', firstName: 'Barbara' });
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        claimStep(
          stack.db,
          {
            idempotencyKey: `journey/c${i}/${lead.id}#welcome`,
            leadId: lead.id,
            workflowId: `journey/c${i}/${lead.id}`,
            stepKey: 'welcome',
            campaignId: `c${i}`,
            templateId: 'welcome',
            stage: 'awareness',
            toAddress: lead.email,
            messageId: `<c${i}-${lead.id}@example.test>`,
          },
          { cap: { max: 2, perMs: HOUR }, leaseMs: 60_000, refusal: async () => undefined },
        ),
      ),
    );
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(2);
    expect(claims.filter((c) => c.kind === 'capped')).toHaveLength(6);
  });
});
