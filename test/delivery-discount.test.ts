// Discount codes: issued once per lead and campaign however often the step runs, retries or
// races, carried by the email that offers them, and redeemed once when a purchase names them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { issueDiscount, redeemDiscount, type IssuedDiscount } from '../activities/discount.ts';
import type { SendOutcome } from '../activities/email/send.ts';
import { startDeliveryStack, type DeliveryStack } from './delivery-support.ts';

const DAY = 86_400_000;
const CODE = /^[A-Z0-9]{1,12}(-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}){3}$/;
let stack: DeliveryStack;
beforeAll(async () => {
  stack = await startDeliveryStack();
});
afterAll(async () => {
  await stack?.close();
});

const issueRequest = (leadId: string, overrides: Partial<Parameters<typeof issueDiscount>[1]> = {}) => ({
  workflowId: `journey/spring/${leadId}`,
  stepKey: 'discount',
  leadId,
  campaignId: 'spring',
  percent: 20,
  validForMs: 7 * DAY,
  ...overrides,
});

describe('issueDiscount', () => {
  it('issues one human-friendly code with its expiry, the same on every retry and every concurrent attempt', async () => {
    const lead = await stack.lead({ label: 'discount' });
    const before = Date.now();
    const results = await Promise.all(Array.from({ length: 6 }, () => issueDiscount(stack.db, issueRequest(lead.id))));
    const first = results[0]!;
    expect(first.code).toMatch(CODE);
    expect(first.code.startsWith('SPRING-')).toBe(true);
    expect(first.percent).toBe(20);
    expect(Date.parse(first.expiresAt)).toBeGreaterThanOrEqual(before + 7 * DAY);
    expect(Date.parse(first.expiresAt)).toBeLessThan(Date.now() + 7 * DAY + 1000);
    for (const r of results) expect(r).toEqual(first);
    // A retry later, even with a drifted clock or arguments, returns what was stored.
    expect(await issueDiscount(stack.db, issueRequest(lead.id, { validForMs: DAY }))).toEqual(first);
    expect(await stack.db.discountCode.count({ where: { leadId: lead.id } })).toBe(1);
  });

  it('is unique per lead and campaign: a second step gets the same code, another campaign a new one', async () => {
    const lead = await stack.lead({ label: 'two-steps' });
    const a = await issueDiscount(stack.db, issueRequest(lead.id));
    const again = await issueDiscount(stack.db, issueRequest(lead.id, { stepKey: 'discount-reminder', percent: 30 }));
    expect(again).toEqual(a);
    const other = await issueDiscount(
      stack.db,
      issueRequest(lead.id, { campaignId: 'autumn', workflowId: `journey/autumn/${lead.id}` }),
    );
    expect(other.code).not.toBe(a.code);
    const otherLead = await stack.lead({ label: 'two-steps-b' });
    expect((await issueDiscount(stack.db, issueRequest(otherLead.id))).code).not.toBe(a.code);
  });

  it('refuses a percent the column cannot hold, without retrying', async () => {
    const lead = await stack.lead({ label: 'bad-percent' });
    await expect(issueDiscount(stack.db, issueRequest(lead.id, { percent: 12.5 }))).rejects.toMatchObject({
      type: 'InvalidDiscount',
      nonRetryable: true,
    });
  });

  it('is issued through the worker and carried by the discount email', async () => {
    const lead = await stack.lead({ label: 'offer', firstName: 'Ada' });
    const workflowId = `journey/spring/${lead.id}`;
    const handle = await stack.start('deliveryDiscountSend', [
      issueRequest(lead.id, { workflowId }),
      stack.request(lead, { workflowId, campaignId: 'spring', stepKey: 'offer', templateId: 'discount', stage: 'action' }),
    ]);
    const { discount, outcome } = (await handle.result()) as { discount: IssuedDiscount; outcome: SendOutcome };
    expect(outcome.status).toBe('sent');
    const mail = await simpleParser((await stack.inbox.waitFor((m) => m.to.includes(lead.email))).raw);
    expect(mail.html).toContain(discount.code);
    expect(mail.text).toContain(discount.code);
    expect(mail.subject).toContain('20%');
    const row = await stack.db.discountCode.findUniqueOrThrow({ where: { code: discount.code } });
    expect(row).toMatchObject({ leadId: lead.id, campaignId: 'spring', percent: 20, redeemedAt: null });
  });
});

describe('redeemDiscount', () => {
  it('records the redemption once, for the lead the code belongs to', async () => {
    const lead = await stack.lead({ label: 'buyer' });
    const { code } = await issueDiscount(stack.db, issueRequest(lead.id));
    const stranger = await stack.lead({ label: 'stranger' });

    expect(await redeemDiscount(stack.db, { code, leadId: stranger.id })).toEqual({ status: 'unknown' });
    expect(await redeemDiscount(stack.db, { code: 'SPRING-2222-3333-4444', leadId: lead.id })).toEqual({ status: 'unknown' });

    const at = new Date();
    // As a person types it: lower case, stray spaces.
    const first = await redeemDiscount(stack.db, { code: ` ${code.toLowerCase()} `, leadId: lead.id, at });
    expect(first).toEqual({ status: 'redeemed', code, redeemedAt: at.toISOString(), firstTime: true });
    const replay = await redeemDiscount(stack.db, { code, leadId: lead.id, at: new Date(at.getTime() + 5000) });
    expect(replay).toEqual({ status: 'redeemed', code, redeemedAt: at.toISOString(), firstTime: false });
  });

  it('does not redeem a code after it expired', async () => {
    const lead = await stack.lead({ label: 'late-buyer' });
    const { code, expiresAt } = await issueDiscount(stack.db, issueRequest(lead.id, { validForMs: 60_000 }));
    const late = new Date(Date.parse(expiresAt) + 1);
    expect(await redeemDiscount(stack.db, { code, leadId: lead.id, at: late })).toEqual({ status: 'expired', code, expiresAt });
    expect((await stack.db.discountCode.findUniqueOrThrow({ where: { code } })).redeemedAt).toBeNull();
  });
});
