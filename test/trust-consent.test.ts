// Consent honoured on the real stack: refused consent is never enrolled or mailed, an address is
// one person whatever its case, consent is kept as history, and only the person can undo their
// own unsubscribe (double opt-in by email), never a signed webhook alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { startStack, type TestStack } from './support/stack.ts';
import { apiLinks } from './support/api.ts';

const CAMPAIGN = `
id: consent-test
name: Consent (test)
allowReenrollment: true
exitOn: [unsubscribe]
stages:
  awareness:
    steps:
      - send: welcome
      - waitFor: [purchase]
`;

/** A second email a few seconds after the welcome: time to delete the lead in between. */
const GONE_CAMPAIGN = `
id: gone-test
name: Lead gone (test)
stages:
  awareness:
    steps:
      - send: welcome
      - wait: 3s
      - send: first-value
`;

let stack: TestStack;
let campaignsDir: string;
beforeAll(async () => {
  campaignsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-consent-campaigns-'));
  fs.writeFileSync(path.join(campaignsDir, 'consent-test.yaml'), CAMPAIGN);
  fs.writeFileSync(path.join(campaignsDir, 'gone-test.yaml'), GONE_CAMPAIGN);
  stack = await startStack({ NURTURE_CAMPAIGNS_DIR: campaignsDir, DEFAULT_CAMPAIGN: 'consent-test' });
});
afterAll(async () => {
  await stack?.close();
  fs.rmSync(campaignsDir, { recursive: true, force: true });
});

async function signup(body: Record<string, unknown>) {
  const res = await stack.post('/webhooks/signup', body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body as Record<string, any>;
}

/** Signs up, waits for the welcome and unsubscribes with its one-click link. */
async function subscribedThenUnsubscribed(label: string) {
  const email = stack.email(label);
  const first = await signup({ email, firstName: label, consent: { given: true, method: 'form', text: 'Email me' } });
  const welcome = await simpleParser((await stack.inbox.waitFor((m) => m.to.includes(email))).raw);
  const unsubscribe = apiLinks(String(welcome.html)).unsubscribes.find((p) => !p.includes('preferences'))!;
  const res = await stack.request('POST', unsubscribe, {
    body: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.status).toBe(200);
  return { email, leadId: first.leadId as string, workflowId: first.workflowId as string };
}

const subject = (m: { raw: string }) => /^Subject: (.*)$/im.exec(m.raw)?.[1]?.trim() ?? '';

/** A journey-free way to know the worker has caught up: a fresh lead's welcome has arrived. */
async function afterAWelcome() {
  const probe = stack.email('probe');
  await signup({ email: probe });
  await stack.inbox.waitFor((m) => m.to.includes(probe));
}

describe('consent', () => {
  it('consent.given false: the lead is stored with its refusal, never enrolled and never mailed', async () => {
    const email = stack.email('refused');
    const body = await signup({ email, firstName: 'No', consent: { given: false, method: 'form', text: 'Email me' } });
    expect(body).toMatchObject({ enrolled: false, consent: 'refused' });
    expect(await stack.db.enrollment.count({ where: { leadId: body.leadId } })).toBe(0);
    await expect(stack.temporal.workflow.getHandle(body.workflowId).describe()).rejects.toThrow(/not found/i);
    const history = await stack.db.consentEvent.findMany({ where: { leadId: body.leadId } });
    expect(history).toMatchObject([{ given: false, method: 'form', text: 'Email me', source: 'signup' }]);

    // A later signup without a consent field does not override the refusal.
    expect(await signup({ email })).toMatchObject({ enrolled: false, consent: 'refused' });
    await afterAWelcome();
    expect(stack.inbox.to(email)).toHaveLength(0);
  });

  it("consent withdrawn by a later signup stops the running journey's next email", async () => {
    const email = stack.email('withdrawn');
    const first = await signup({ email, consent: { given: true } });
    await stack.inbox.waitFor((m) => m.to.includes(email));
    expect(await signup({ email, consent: { given: false, method: 'preference centre' } })).toMatchObject({
      enrolled: false,
      consent: 'refused',
    });
    const lead = await stack.db.lead.findUniqueOrThrow({ where: { id: first.leadId } });
    expect(lead.consent).toMatchObject({ given: false, method: 'preference centre', source: 'signup' });
    expect(
      (await stack.db.consentEvent.findMany({ where: { leadId: first.leadId }, orderBy: { recordedAt: 'asc' } })).map(
        (e) => e.given,
      ),
    ).toEqual([true, false]);
  });

  it('an upper-case variant of an unsubscribed address is the same person: no mail', async () => {
    const { email, leadId } = await subscribedThenUnsubscribed('variant');
    const shouted = email.toUpperCase();
    const again = await signup({ email: shouted, firstName: 'Shouting' });
    expect(again).toMatchObject({ leadId, newLead: false, enrolled: false, suppressed: true, suppressionReason: 'unsubscribed' });
    // Events naming the address in another case reach the same lead.
    const event = await stack.post('/webhooks/events', { type: 'reply', email: shouted, eventId: `reply-${leadId}` });
    expect(event.status).toBe(202);
    expect(event.body.leadId).toBe(leadId);
    await afterAWelcome();
    expect(stack.inbox.messages().filter((m) => m.to.some((t) => t.toLowerCase() === email))).toHaveLength(1);
  });

  it('a signed webhook cannot re-subscribe an unsubscribed person; their own click on the emailed link does', async () => {
    const { email, leadId } = await subscribedThenUnsubscribed('resubscribe');
    const consentEvents = await stack.db.consentEvent.findMany({ where: { leadId }, orderBy: { recordedAt: 'asc' } });
    expect(consentEvents.map((e) => [e.given, e.source])).toEqual([
      [true, 'signup'],
      [false, 'unsubscribe'],
    ]);

    const claim = { given: true, at: new Date().toISOString(), text: 'Yes, email me again', method: 'form' };
    const res = await signup({ email, consent: claim });
    expect(res).toMatchObject({ enrolled: false, suppressed: true, suppressionReason: 'unsubscribed', confirmation: 'sent' });
    expect(await stack.db.suppression.findUnique({ where: { email } })).not.toBeNull();
    // Nothing recorded as consent until the person confirms.
    expect(await stack.db.consentEvent.count({ where: { leadId } })).toBe(2);
    // Repeating the webhook does not mail the person again.
    expect(await signup({ email, consent: claim })).toMatchObject({ confirmation: 'already_sent' });

    await stack.inbox.waitFor((m) => m.to.includes(email) && subject(m).startsWith('Confirm your subscription'));
    const mails = stack.inbox.to(email);
    expect(mails.map(subject)).toEqual(['Welcome to Nurture, resubscribe', expect.stringMatching(/^Confirm your subscription/)]);
    const confirmMail = await simpleParser(mails[1]!.raw);
    const link = /https?:\/\/\S+\/confirm\/[A-Za-z0-9_.-]+/.exec(String(confirmMail.text))![0];
    const confirmPath = new URL(link).pathname;

    // A tampered link is refused; the GET a mail scanner makes changes nothing.
    expect((await stack.request('POST', `${confirmPath.slice(0, -1)}${confirmPath.endsWith('A') ? 'B' : 'A'}`)).status).toBe(404);
    const page = await stack.get(confirmPath);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Subscribe ${email}?`);
    expect(await stack.db.suppression.findUnique({ where: { email } })).not.toBeNull();

    const confirmed = await stack.request('POST', confirmPath, {
      body: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('You are subscribed');
    expect(await stack.db.suppression.findUnique({ where: { email } })).toBeNull();
    const history = await stack.db.consentEvent.findMany({ where: { leadId }, orderBy: { recordedAt: 'asc' } });
    expect(history.at(-1)).toMatchObject({
      given: true,
      source: 'confirmation',
      method: 'double-opt-in',
      text: 'Yes, email me again',
    });
    // Enrolled again: the journey's welcome arrives.
    await expect
      .poll(() => stack.inbox.to(email).filter((m) => subject(m).startsWith('Welcome')).length, { timeout: 30_000 })
      .toBe(2);
  });

  it('a bounce or a manual block is not about consent: a signup with consent leaves it and mails nobody', async () => {
    for (const reason of ['bounced', 'manual']) {
      const email = stack.email(reason);
      await stack.db.suppression.create({ data: { email, reason } });
      const res = await signup({ email, consent: { given: true } });
      expect(res).toMatchObject({ enrolled: false, suppressed: true, suppressionReason: reason });
      expect(res.confirmation).toBeUndefined();
    }
  });

  it("a lead deleted behind Nurture's back ends its journey instead of retrying forever", async () => {
    const email = stack.email('gone');
    const res = await signup({ email, campaign: 'gone-test' });
    await stack.inbox.waitFor((m) => m.to.includes(email));
    await stack.db.lead.delete({ where: { id: res.leadId } });
    const handle = stack.temporal.workflow.getHandle(res.workflowId);
    // Its next send finds the lead gone: not retried, the journey exits (docs/durability.md).
    expect(await handle.result()).toMatchObject({ kind: 'exited', reason: expect.stringContaining('(LeadGone)') });
    expect(stack.inbox.to(email)).toHaveLength(1);
  });
});
