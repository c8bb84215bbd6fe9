// How a send reacts to what the SMTP server says, and to the suppression list: a 451 is
// retried by Temporal and delivered once, a 550 bounces and suppresses the address, and a
// suppressed address gets nothing, with the reason recorded.
// The inbox stores a message before it answers 250, so once a send has returned, every
// message it delivered is already there: counting needs no waiting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeliveryStack, type DeliveryStack } from './delivery-support.ts';

let stack: DeliveryStack;
const rules = new Map<string, (attempt: number) => { code: number; message: string } | undefined>();
beforeAll(async () => {
  stack = await startDeliveryStack();
  // Per-address answers, so tests in this file never see each other's rules.
  stack.inbox.setRecipientRule((address, attempt) => rules.get(address)?.(attempt));
});
afterAll(async () => {
  await stack?.close();
});

describe('SMTP answers', () => {
  it('retries a 451 with backoff and delivers once', async () => {
    const lead = await stack.lead({ label: 'greylisted', firstName: 'Ada' });
    rules.set(lead.email, (attempt) => (attempt === 1 ? { code: 451, message: '4.7.1 Greylisted, try again later' } : undefined));

    const { outcome, attempts } = await stack.send(stack.request(lead));
    expect(outcome.status).toBe('sent');
    expect(attempts).toEqual([{ activity: 'sendEmail', attempts: 2, lastFailure: expect.stringMatching(/smtp 451/) }]);
    expect(stack.inbox.to(lead.email)).toHaveLength(1);
    const rows = await stack.db.sentMessage.findMany({ where: { leadId: lead.id } });
    expect(rows.map((r) => r.status)).toEqual(['sent']);
  });

  it('bounces on a 550: the address is suppressed, the step recorded bounced and the bounce returned to the caller', async () => {
    const lead = await stack.lead({ label: 'nobody', firstName: 'Nobody' });
    rules.set(lead.email, () => ({ code: 550, message: '5.1.1 No such user here' }));

    const { outcome, attempts } = await stack.send(stack.request(lead));
    expect(outcome).toEqual({ status: 'bounced', reason: expect.stringMatching(/^smtp 550: .*No such user/) });
    expect(attempts).toEqual([{ activity: 'sendEmail', attempts: 1 }]); // permanent: not retried
    const row = await stack.db.sentMessage.findFirstOrThrow({ where: { leadId: lead.id } });
    expect(row).toMatchObject({ status: 'bounced', reason: expect.stringContaining('550') });
    const suppression = await stack.db.suppression.findUnique({ where: { email: lead.email } });
    expect(suppression).toMatchObject({ reason: 'bounced', detail: expect.stringContaining('No such user') });
    expect(stack.inbox.to(lead.email)).toHaveLength(0);

    // The next step of any campaign is now suppressed without talking to SMTP.
    const next = await stack.send(
      stack.request(lead, { campaignId: 'another', workflowId: `journey/another/${lead.id}`, stepKey: 'faq' }),
    );
    expect(next.outcome).toEqual({ status: 'suppressed', reason: 'suppressed: bounced' });
  });

  it('sends nothing to a suppressed address and records why', async () => {
    const lead = await stack.lead({ label: 'unsubscribed', firstName: 'Grace' });
    await stack.db.suppression.create({ data: { email: lead.email, reason: 'unsubscribed', detail: 'one-click' } });

    const { outcome } = await stack.send(stack.request(lead));
    expect(outcome).toEqual({ status: 'suppressed', reason: 'suppressed: unsubscribed' });
    expect(stack.inbox.to(lead.email)).toHaveLength(0);
    const row = await stack.db.sentMessage.findFirstOrThrow({ where: { leadId: lead.id } });
    expect(row).toMatchObject({ status: 'suppressed', reason: 'suppressed: unsubscribed', sentAt: null });
  });
});
