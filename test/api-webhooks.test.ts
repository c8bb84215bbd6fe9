// The signed webhook edge on the real stack: signatures, body limits and types, validation
// messages, and signup idempotency under concurrency.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { apiTestEnv } from './support/api.ts';

const OLD_SECRET = 'old-webhook-secret-0123456789';
const NEW_SECRET = 'new-webhook-secret-0123456789';

let stack: TestStack;
const campaign = apiTestEnv();
beforeAll(async () => {
  stack = await startStack({ WEBHOOK_SECRET: `${OLD_SECRET},${NEW_SECRET}`, ...campaign.env });
});
afterAll(async () => {
  await stack?.close();
  campaign.cleanup();
});

const now = () => Math.floor(Date.now() / 1000);

function postRaw(path: string, raw: string | Buffer, headers: Record<string, string>) {
  return stack.request('POST', path, { body: raw, headers });
}

describe('webhook signatures', () => {
  it('accepts a valid signature made with either configured secret (rotation)', async () => {
    for (const secret of [OLD_SECRET, NEW_SECRET]) {
      const raw = JSON.stringify({ email: stack.email('sig') });
      const res = await postRaw('/webhooks/signup', raw, {
        'content-type': 'application/json',
        'nurture-signature': stack.sign(raw, { secret }),
      });
      expect(res.status).toBe(202);
    }
  });

  it('answers 401 JSON for a missing, malformed, wrong-secret, body-mismatch or expired signature, and records nothing', async () => {
    const email = stack.email('unsigned');
    const raw = JSON.stringify({ email });
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'missing'],
      [{ 'nurture-signature': 'v1=deadbeef' }, 'malformed'],
      [{ 'nurture-signature': stack.sign(raw, { secret: 'some-other-secret-0123456789' }) }, 'mismatch'],
      [{ 'nurture-signature': stack.sign(JSON.stringify({ email: stack.email('other') })) }, 'mismatch'],
      [{ 'nurture-signature': stack.sign(raw, { timestamp: now() - 301 }) }, 'expired'],
      [{ 'nurture-signature': stack.sign(raw, { timestamp: now() + 600 }) }, 'expired'],
    ];
    for (const [headers, reason] of cases) {
      const res = await postRaw('/webhooks/signup', raw, { 'content-type': 'application/json', ...headers });
      expect(res.status, reason).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(res.body).toMatchObject({ error: 'invalid_signature', reason });
    }
    const events = await postRaw('/webhooks/events', '{}', { 'content-type': 'application/json' });
    expect(events.status).toBe(401);
    expect(await stack.db.lead.count({ where: { email } })).toBe(0);
  });

  it('accepts a signature a few minutes old (within the 5-minute tolerance)', async () => {
    const raw = JSON.stringify({ email: stack.email('recent') });
    const res = await postRaw('/webhooks/signup', raw, {
      'content-type': 'application/json',
      'nurture-signature': stack.sign(raw, { timestamp: now() - 240 }),
    });
    expect(res.status).toBe(202);
  });

  it('signs the exact bytes: the same JSON re-serialised differently does not verify', async () => {
    const raw = `{ "email" : "${stack.email('bytes')}" }`;
    const ok = await postRaw('/webhooks/signup', raw, {
      'content-type': 'application/json',
      'nurture-signature': stack.sign(raw),
    });
    expect(ok.status).toBe(202);
    const other = JSON.stringify(JSON.parse(raw));
    const bad = await postRaw('/webhooks/signup', other, {
      'content-type': 'application/json',
      'nurture-signature': stack.sign(raw),
    });
    expect(bad.status).toBe(401);
  });
});

describe('webhook bodies', () => {
  it('answers 413 for a body over the limit (256 KiB signup, 256 KiB single event, 2 MiB batch)', async () => {
    const big = JSON.stringify({ email: stack.email('big'), source: 'x'.repeat(300 * 1024) });
    const res = await stack.post('/webhooks/signup', big);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: 'body_too_large' });

    const bigEvent = JSON.stringify({ type: 'open', email: stack.email(), eventId: 'big', data: { x: 'y'.repeat(300 * 1024) } });
    expect((await stack.post('/webhooks/events', bigEvent)).status).toBe(413);
    const bigBatch = JSON.stringify({
      events: [{ type: 'open', email: stack.email(), eventId: 'b', data: { x: 'y'.repeat(2 * 1024 * 1024) } }],
    });
    expect((await stack.post('/webhooks/events', bigBatch)).status).toBe(413);

    // The limits differ by route and shape: a batch of about 1 MiB (over the single-event and
    // signup limits, under the batch limit) is accepted, event by event.
    const lead = stack.email('batch-size');
    expect((await stack.post('/webhooks/signup', { email: lead })).status).toBe(202);
    const mediumBatch = JSON.stringify({
      events: Array.from({ length: 80 }, (_, i) => ({
        type: 'open',
        email: lead,
        eventId: `mb-${lead}-${i}`,
        data: { x: 'y'.repeat(12 * 1024) },
      })),
    });
    expect(mediumBatch.length).toBeGreaterThan(900 * 1024);
    const medium = await stack.post('/webhooks/events', mediumBatch);
    expect(medium.status, JSON.stringify(medium.body).slice(0, 300)).toBe(202);
    expect(medium.body).toMatchObject({ accepted: 80, rejected: 0 });
    // Just under 256 KiB is fine for one event and for a signup.
    const nearEvent = JSON.stringify({
      type: 'open',
      email: lead,
      eventId: `near-${lead}`,
      data: { x: 'y'.repeat(15 * 1024) },
      pad: 'p'.repeat(230 * 1024),
    });
    expect((await stack.post('/webhooks/events', nearEvent)).status).not.toBe(413);
    const nearSignup = JSON.stringify({ email: stack.email('near'), pad: 'p'.repeat(250 * 1024) });
    expect((await stack.post('/webhooks/signup', nearSignup)).status).not.toBe(413);
  });

  it('answers 415 for anything but application/json, signed or not', async () => {
    const raw = JSON.stringify({ email: stack.email('type') });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await postRaw('/webhooks/signup', raw, { 'content-type': type, 'nurture-signature': stack.sign(raw) });
      expect(res.status, type).toBe(415);
      expect(res.body).toMatchObject({ error: 'unsupported_media_type' });
    }
    const none = await stack.request('POST', '/webhooks/events', { headers: { 'nurture-signature': stack.sign('') } });
    expect(none.status).toBe(415);
    // Parameters on the right type are fine.
    const charset = await postRaw('/webhooks/signup', raw, {
      'content-type': 'application/json; charset=utf-8',
      'nurture-signature': stack.sign(raw),
    });
    expect(charset.status).toBe(202);
  });

  it('answers 400 invalid_json for malformed or empty JSON and prototype-poisoning keys, nested too', async () => {
    for (const raw of [
      '{"email": ',
      '',
      'not json',
      '{"email":"a@b.com","__proto__":{"x":1}}',
      '{"email":"a@b.com","constructor":{"prototype":{"x":1}}}',
      '{"email":"a@b.com","properties":{"plan":"pro","__proto__":{"isAdmin":true}}}',
      '{"email":"a@b.com","properties":{"a":{"b":{"constructor":{"prototype":{"isAdmin":true}}}}}}',
    ]) {
      const res = await stack.post('/webhooks/signup', raw);
      expect(res.status, raw).toBe(400);
      expect(res.body.error).toBe('invalid_json');
    }
  });

  it('answers 400 invalid_body listing every bad field with its problem', async () => {
    const res = await stack.post('/webhooks/signup', {
      email: 'nope',
      firstName: 'x'.repeat(201),
      timezone: 'Mars/Olympus',
      properties: { nested: { no: true } },
      consent: { given: 'yes' },
      campaign: 'Not A Campaign',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_body');
    const fields = Object.fromEntries(res.body.issues.map((i: { field: string; problem: string }) => [i.field, i.problem]));
    expect(fields).toMatchObject({
      email: 'must be an email address',
      firstName: 'must be at most 200 characters',
      timezone: 'must be an IANA time zone such as Europe/Paris',
      'properties.nested': 'must be a string, a finite number or a boolean',
      'consent.given': 'must be true or false',
    });
    expect(fields.campaign).toMatch(/campaign id/);

    const events = await stack.post('/webhooks/events', { type: 'Opened!', occurredAt: 'yesterday' });
    expect(events.status).toBe(400);
    expect(events.body.issues.map((i: { field: string }) => i.field).sort()).toEqual(['email', 'eventId', 'occurredAt', 'type']);

    const array = await stack.post('/webhooks/signup', [1, 2]);
    expect(array.status).toBe(400);
    expect(array.body.issues).toEqual([{ field: '(body)', problem: 'must be a JSON object' }]);

    const unknown = await stack.post('/webhooks/signup', { email: stack.email('nocampaign'), campaign: 'no-such-campaign' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.issues).toEqual([{ field: 'campaign', problem: 'no campaign "no-such-campaign"' }]);
  });

  it('answers unknown routes and methods with 404 JSON', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['DELETE', '/webhooks/signup'],
      ['GET', '/webhooks/signup'],
    ] as const) {
      const res = await stack.request(method, path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: 'not_found' });
    }
  });
});

describe('POST /webhooks/signup', () => {
  it('keeps unicode and long names intact, and rejects names over 200 characters', async () => {
    const email = stack.email('unicode');
    const firstName = 'Zoë-Łucja 王小明 🚀';
    const lastName = 'ß'.repeat(200);
    const company = 'Ünïcödé & Co. — «ООО Ромашка» مؤسسة';
    const res = await stack.post('/webhooks/signup', {
      email,
      firstName,
      lastName,
      company,
      timezone: 'Asia/Kolkata',
      properties: { plan: 'pro', seats: 5, trial: true },
    });
    expect(res.status).toBe(202);
    const lead = await stack.db.lead.findUniqueOrThrow({ where: { email } });
    expect(lead).toMatchObject({
      firstName,
      lastName,
      company,
      timezone: 'Asia/Kolkata',
      properties: { plan: 'pro', seats: 5, trial: true },
    });

    const tooLong = await stack.post('/webhooks/signup', { email: stack.email(), firstName: '界'.repeat(201) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.issues).toEqual([{ field: 'firstName', problem: 'must be at most 200 characters' }]);

    const nul = await stack.post('/webhooks/signup', { email: stack.email(), firstName: 'A\u0000B' });
    expect(nul.status).toBe(400);
    expect(nul.body.issues[0].field).toBe('firstName');
  });

  it('normalises an email with spaces and upper case to one lead', async () => {
    const local = `Mixed.Case-${Date.now()}`;
    const first = await stack.post('/webhooks/signup', { email: `   ${local}@EXAMPLE.COM  ` });
    expect(first.status).toBe(202);
    expect(first.body.newLead).toBe(true);
    const lead = await stack.db.lead.findUniqueOrThrow({ where: { id: first.body.leadId } });
    // One person, whatever the case of any part (core/rules/email.ts).
    expect(lead.email).toBe(`${local.toLowerCase()}@example.com`);
    const again = await stack.post('/webhooks/signup', { email: `${local.toUpperCase()}@Example.Com` });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ leadId: first.body.leadId, newLead: false });
  });

  it('50 identical signups at once: one lead, one journey, one welcome email, one "new"', async () => {
    const email = stack.email('fifty');
    const body = JSON.stringify({ email, firstName: 'Fifty', consent: { given: true, method: 'form' } });
    const results = await Promise.all(Array.from({ length: 50 }, () => stack.post('/webhooks/signup', body)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(202));
    const leadIds = new Set(results.map((r) => r.body.leadId));
    const workflowIds = new Set(results.map((r) => r.body.workflowId));
    expect(leadIds.size).toBe(1);
    expect(workflowIds.size).toBe(1);
    expect(results.filter((r) => r.body.newLead === true)).toHaveLength(1);

    expect(await stack.db.lead.count({ where: { email } })).toBe(1);
    const [leadId] = [...leadIds] as [string];
    expect(await stack.db.enrollment.count({ where: { leadId } })).toBe(1);
    const runs = [];
    for await (const w of stack.temporal.workflow.list({ query: `WorkflowId = '${[...workflowIds][0]}'` })) runs.push(w);
    expect(runs).toHaveLength(1);

    // One journey run (above) sends one welcome email.
    await stack.inbox.waitFor((m) => m.to.includes(email));
    expect(await stack.db.sentMessage.count({ where: { leadId } })).toBe(1);
    expect(stack.inbox.to(email)).toHaveLength(1);
  });

  it('an eventId makes a signup idempotent: 50 concurrent deliveries answer one 202 and 49 duplicates', async () => {
    const email = stack.email('eventid');
    const body = JSON.stringify({ email, eventId: `signup-${email}`, firstName: 'Once' });
    const results = await Promise.all(Array.from({ length: 50 }, () => stack.post('/webhooks/signup', body)));
    const accepted = results.filter((r) => r.status === 202);
    const duplicates = results.filter((r) => r.status === 200);
    expect(accepted).toHaveLength(1);
    expect(duplicates).toHaveLength(49);
    for (const d of duplicates)
      expect(d.body).toMatchObject({
        duplicate: true,
        leadId: accepted[0]!.body.leadId,
        workflowId: accepted[0]!.body.workflowId,
      });
    expect(await stack.db.engagementEvent.count({ where: { eventId: `signup:signup-${email}` } })).toBe(1);

    // A later replay with different data changes nothing.
    const replay = await stack.post('/webhooks/signup', { email, eventId: `signup-${email}`, firstName: 'Changed' });
    expect(replay.status).toBe(200);
    expect((await stack.db.lead.findUniqueOrThrow({ where: { email } })).firstName).toBe('Once');
  });

  it('a suppressed address stays suppressed, with or without consent (re-subscribing needs the person: trust-consent)', async () => {
    const email = stack.email('resub');
    await stack.db.suppression.create({ data: { email, reason: 'unsubscribed', detail: 'test' } });
    const without = await stack.post('/webhooks/signup', { email });
    expect(without.status).toBe(202);
    expect(without.body).toMatchObject({ enrolled: false, suppressed: true, suppressionReason: 'unsubscribed' });
    expect(await stack.db.enrollment.count({ where: { leadId: without.body.leadId } })).toBe(0);

    const withConsent = await stack.post('/webhooks/signup', {
      email,
      consent: { given: true, at: new Date().toISOString(), text: 'Yes, email me', method: 'form' },
    });
    expect(withConsent.status).toBe(202);
    expect(withConsent.body).toMatchObject({ leadId: without.body.leadId, newLead: false, enrolled: false, suppressed: true });
    expect(await stack.db.suppression.findUnique({ where: { email } })).not.toBeNull();
    expect(await stack.db.enrollment.count({ where: { leadId: without.body.leadId } })).toBe(0);

    // A hard bounce is not about consent: it stays.
    const bounced = stack.email('bounced');
    await stack.db.suppression.create({ data: { email: bounced, reason: 'bounced' } });
    const r = await stack.post('/webhooks/signup', { email: bounced, consent: { given: true } });
    expect(r.body).toMatchObject({ suppressed: true, suppressionReason: 'bounced', enrolled: false });
  });

  it.each([
    { reason: 'complained', asks: true },
    { reason: 'manual', asks: false },
    { reason: 'bounced', asks: false },
  ])('a signup with consent for a $reason address asks the person to confirm: $asks', async ({ reason, asks }) => {
    const email = stack.email(reason);
    await stack.db.suppression.create({ data: { email, reason, detail: 'test' } });
    const without = await stack.post('/webhooks/signup', { email });
    expect(without.body).toMatchObject({ enrolled: false, suppressed: true, suppressionReason: reason });
    const withConsent = await stack.post('/webhooks/signup', { email, consent: { given: true, method: 'form' } });
    expect(withConsent.status).toBe(202);
    // Never lifted by a webhook: only the person's click on the emailed link does (trust-consent).
    expect(withConsent.body).toMatchObject({ enrolled: false, suppressed: true, suppressionReason: reason });
    expect(await stack.db.suppression.findUnique({ where: { email } })).toMatchObject({ reason });
    expect(await stack.db.enrollment.count({ where: { leadId: withConsent.body.leadId } })).toBe(0);
    if (asks) {
      expect(withConsent.body.confirmation).toBe('sent');
      const mail = await stack.inbox.waitFor((m) => m.to.includes(email));
      expect(mail.raw).toMatch(/^Subject: Confirm your subscription/m);
    } else {
      expect(withConsent.body.confirmation).toBeUndefined();
    }
  });

  it('a complaint event suppresses as complained, and the journey ends', async () => {
    const email = stack.email('complains');
    const signup = await stack.post('/webhooks/signup', { email });
    await stack.inbox.waitFor((m) => m.to.includes(email));
    const res = await stack.post('/webhooks/events', { type: 'complaint', email, eventId: `complaint-${email}` });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ signalled: 1, suppressed: 'complained' });
    expect(await stack.db.suppression.findUnique({ where: { email } })).toMatchObject({ reason: 'complained' });
    expect(await stack.temporal.workflow.getHandle(signup.body.workflowId).result()).toMatchObject({ kind: 'exited' });
  });
});
