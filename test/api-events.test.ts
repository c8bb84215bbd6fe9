// POST /webhooks/events on the real stack: recorded once, signalled to the lead's running
// journeys, suppression for unsubscribe/complaint/hard bounce, batches answered per event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { apiTestEnv, engagementSignals } from './support/api.ts';
import { issueDiscount } from '../activities/discount.ts';
import { POLL } from './support/timing.ts';

let stack: TestStack;
const campaign = apiTestEnv();
beforeAll(async () => {
  stack = await startStack(campaign.env);
});
afterAll(async () => {
  await stack?.close();
  campaign.cleanup();
});

async function signup(label: string) {
  const email = stack.email(label);
  const res = await stack.post('/webhooks/signup', { email, firstName: label });
  expect(res.status).toBe(202);
  return { email, leadId: res.body.leadId as string, workflowId: res.body.workflowId as string };
}

describe('POST /webhooks/events', () => {
  it('records the event and signals the journey with { eventId, type, occurredAt, data }', async () => {
    const lead = await signup('click');
    const occurredAt = new Date(Date.now() - 60_000).toISOString();
    const res = await stack.post('/webhooks/events', {
      type: 'pricing_viewed',
      email: lead.email.replace('@example.com', '@EXAMPLE.com'),
      eventId: `ev-${lead.leadId}-1`,
      occurredAt,
      data: { page: '/pricing', templateId: 'welcome', campaignId: campaign.id },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ eventId: `ev-${lead.leadId}-1`, leadId: lead.leadId, duplicate: false, signalled: 1 });

    const row = await stack.db.engagementEvent.findUniqueOrThrow({ where: { eventId: `ev-${lead.leadId}-1` } });
    expect(row).toMatchObject({
      leadId: lead.leadId,
      type: 'pricing_viewed',
      templateId: 'welcome',
      campaignId: campaign.id,
      data: { page: '/pricing' },
    });
    expect(row.occurredAt.toISOString()).toBe(occurredAt);

    // A signal that arrives while a workflow task runs is buffered until it completes: poll.
    await expect
      .poll(() => engagementSignals(stack.temporal, lead.workflowId), POLL)
      .toContainEqual({
        eventId: `ev-${lead.leadId}-1`,
        type: 'pricing_viewed',
        occurredAt,
        data: { page: '/pricing', templateId: 'welcome', campaignId: campaign.id },
      });
  });

  it('accepts an event by lead id and a custom type', async () => {
    const lead = await signup('custom');
    const res = await stack.post('/webhooks/events', {
      type: 'webinar_attended',
      leadId: lead.leadId.toUpperCase(),
      eventId: `web-${lead.leadId}`,
    });
    expect(res.status).toBe(202);
    await expect
      .poll(async () => (await engagementSignals(stack.temporal, lead.workflowId)).map((s) => s.type), POLL)
      .toContain('webinar_attended');
  });

  it('answers 404 with a clear body for an unknown lead, recording nothing', async () => {
    const email = stack.email('ghost');
    const res = await stack.post('/webhooks/events', { type: 'open', email, eventId: `ghost-${email}` });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: 'unknown_lead',
      message: `no lead with email ${email}; send a signup first`,
      eventId: `ghost-${email}`,
    });
    const byId = await stack.post('/webhooks/events', {
      type: 'open',
      leadId: '00000000-0000-4000-8000-000000000000',
      eventId: 'ghost-id',
    });
    expect(byId.status).toBe(404);
    expect(await stack.db.engagementEvent.count({ where: { eventId: { in: [`ghost-${email}`, 'ghost-id'] } } })).toBe(0);
  });

  it('a repeated event id answers 200 duplicate and counts once, also with 50 identical requests at once', async () => {
    const lead = await signup('dup');
    const body = JSON.stringify({
      type: 'click',
      email: lead.email,
      eventId: `dup-${lead.leadId}`,
      data: { link: 'https://nurture.example/x' },
    });
    const results = await Promise.all(Array.from({ length: 50 }, () => stack.post('/webhooks/events', body)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    for (const r of results.filter((x) => x.status === 200))
      expect(r.body).toMatchObject({ duplicate: true, eventId: `dup-${lead.leadId}` });

    expect(await stack.db.engagementEvent.count({ where: { eventId: `dup-${lead.leadId}` } })).toBe(1);
    // Every answer came after its signal was accepted (or found the row): the history is final.
    expect(
      (await engagementSignals(stack.temporal, lead.workflowId)).filter((s) => s.eventId === `dup-${lead.leadId}`),
    ).toHaveLength(1);

    const later = await stack.post('/webhooks/events', body);
    expect(later.status).toBe(200);
  });

  it('unsubscribe, complaint and hard bounce suppress the address; a soft bounce does not', async () => {
    const cases = [
      { type: 'unsubscribe', data: {}, reason: 'unsubscribed' },
      { type: 'complaint', data: { feedbackType: 'abuse' }, reason: 'complained' },
      { type: 'bounce', data: { kind: 'hard', smtp: '550 5.1.1' }, reason: 'bounced' },
      { type: 'bounce', data: { kind: 'soft' }, reason: null },
    ];
    for (const c of cases) {
      const lead = await signup(`supp-${c.type}`);
      const res = await stack.post('/webhooks/events', {
        type: c.type,
        email: lead.email,
        eventId: `${c.type}-${lead.leadId}`,
        data: c.data,
      });
      expect(res.status).toBe(202);
      const supp = await stack.db.suppression.findUnique({ where: { email: lead.email } });
      expect(supp?.reason ?? null).toBe(c.reason);
    }
  });

  it('an event for a lead whose journeys have ended is accepted and signals nothing', async () => {
    const lead = await signup('ended');
    await stack.temporal.workflow.getHandle(lead.workflowId).terminate('test: journey over');
    const res = await stack.post('/webhooks/events', { type: 'open', email: lead.email, eventId: `ended-${lead.leadId}` });
    expect(res.status).toBe(202);
    expect(res.body.signalled).toBe(0);
    expect(await stack.db.engagementEvent.count({ where: { eventId: `ended-${lead.leadId}` } })).toBe(1);
  });
});

describe('a purchase naming a discount code', () => {
  it('redeems the code once, and only for its own lead', async () => {
    const lead = await signup('buyer');
    const other = await signup('other-buyer');
    const issued = await issueDiscount(stack.db, {
      workflowId: lead.workflowId,
      stepKey: 'd1',
      leadId: lead.leadId,
      campaignId: campaign.id,
      percent: 15,
      validForMs: 3_600_000,
    });
    const foreign = await stack.post('/webhooks/events', {
      type: 'purchase',
      leadId: other.leadId,
      eventId: `buy-other-${other.leadId}`,
      data: { discountCode: issued.code },
    });
    expect(foreign.status).toBe(202);
    expect((await stack.db.discountCode.findUniqueOrThrow({ where: { code: issued.code } })).redeemedAt).toBeNull();

    const res = await stack.post('/webhooks/events', {
      type: 'purchase',
      leadId: lead.leadId,
      eventId: `buy-${lead.leadId}`,
      data: { discountCode: issued.code.toLowerCase() },
    });
    expect(res.status).toBe(202);
    const redeemed = await stack.db.discountCode.findUniqueOrThrow({ where: { code: issued.code } });
    expect(redeemed.redeemedAt).not.toBeNull();

    // A second purchase naming the same code (another event, later) redeems nothing again.
    const again = await stack.post('/webhooks/events', {
      type: 'purchase',
      leadId: lead.leadId,
      eventId: `buy-again-${lead.leadId}`,
      occurredAt: new Date(Date.now() + 60_000).toISOString(),
      data: { discountCode: issued.code },
    });
    expect(again.status).toBe(202);
    expect(again.body.duplicate).toBe(false);
    const after = await stack.db.discountCode.findUniqueOrThrow({ where: { code: issued.code } });
    expect(after.redeemedAt).toEqual(redeemed.redeemedAt);
    expect(await stack.db.discountCode.count({ where: { leadId: lead.leadId, redeemedAt: { not: null } } })).toBe(1);
  });
});

describe('POST /webhooks/events batch', () => {
  it('answers 202 with a result per event when every event is in (new or duplicate)', async () => {
    const a = await signup('batch-a');
    const b = await signup('batch-b');
    const events = [
      { type: 'open', email: a.email, eventId: `b1-${a.leadId}` },
      { type: 'click', leadId: b.leadId, eventId: `b2-${b.leadId}`, data: { link: 'https://nurture.example/' } },
      { type: 'open', email: a.email, eventId: `b1-${a.leadId}` },
    ];
    const res = await stack.post('/webhooks/events', { events });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 0 });
    expect(res.body.results.map((r: { index: number; status: number }) => [r.index, r.status])).toEqual([
      [0, 202],
      [1, 202],
      [2, 200],
    ]);
    await expect
      .poll(async () => (await engagementSignals(stack.temporal, b.workflowId)).map((s) => s.eventId), POLL)
      .toContain(`b2-${b.leadId}`);
  });

  it('answers 207 with per-event problems when some events are refused, still recording the good ones', async () => {
    const a = await signup('batch-mixed');
    const res = await stack.post('/webhooks/events', {
      events: [
        { type: 'open', email: a.email, eventId: `m1-${a.leadId}` },
        { type: 'open', email: stack.email('nobody'), eventId: `m2-${a.leadId}` },
        { type: 'BAD TYPE', email: a.email, eventId: `m3-${a.leadId}` },
        'not an object',
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 0, rejected: 3 });
    const [ok, unknown, bad, junk] = res.body.results;
    expect(ok).toMatchObject({ index: 0, status: 202, eventId: `m1-${a.leadId}` });
    expect(unknown).toMatchObject({ index: 1, status: 404, error: 'unknown_lead', eventId: `m2-${a.leadId}` });
    expect(bad).toMatchObject({
      index: 2,
      status: 400,
      error: 'invalid_body',
      eventId: `m3-${a.leadId}`,
      issues: [{ field: 'type' }],
    });
    expect(junk).toMatchObject({ index: 3, status: 400, issues: [{ field: '(body)', problem: 'must be a JSON object' }] });
    expect(await stack.db.engagementEvent.count({ where: { leadId: a.leadId } })).toBe(1);
  });

  it('refuses an empty batch or one over 500 events', async () => {
    expect((await stack.post('/webhooks/events', { events: [] })).status).toBe(400);
    const tooMany = await stack.post('/webhooks/events', {
      events: Array.from({ length: 501 }, (_, i) => ({ type: 'open', email: 'a@b.co', eventId: `x${i}` })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.issues).toEqual([{ field: 'events', problem: 'must hold at most 500 events' }]);
  });

  it('takes 500 events for several leads in one batch, each lead in order', async () => {
    const leads = await Promise.all(Array.from({ length: 10 }, (_, i) => signup(`batch-500-${i}`)));
    const events = Array.from({ length: 500 }, (_, i) => {
      const lead = leads[i % leads.length]!;
      return { type: i % 2 ? 'open' : 'feature_used', leadId: lead.leadId, eventId: `big-${lead.leadId}-${i}` };
    });
    const started = Date.now();
    const res = await stack.post('/webhooks/events', { events });
    console.log(`500-event batch answered in ${Date.now() - started} ms`);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(500);
    expect(res.body.results.every((r: { index: number; status: number }, i: number) => r.index === i && r.status === 202)).toBe(
      true,
    );
    expect(
      await stack.db.engagementEvent.count({
        where: { leadId: { in: leads.map((l) => l.leadId) }, eventId: { startsWith: 'big-' } },
      }),
    ).toBe(500);
    // One lead's journey heard its events in the order they were sent.
    const first = leads[0]!;
    const expected = events.filter((e) => e.leadId === first.leadId).map((e) => e.eventId);
    await expect
      .poll(
        async () =>
          (await engagementSignals(stack.temporal, first.workflowId)).map((s) => s.eventId).filter((id) => id.startsWith('big-')),
        POLL,
      )
      .toEqual(expected);
  }, 120_000);
});
