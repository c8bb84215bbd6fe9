// Open pixel, click redirect and unsubscribe on the real stack, driven by the links in the
// welcome email the journey actually sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { sealToken } from '../infra/tokens.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { apiTestEnv, apiLinks, engagementSignals } from './support/api.ts';
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

async function signupAndWelcome(label: string, extra: Record<string, unknown> = {}) {
  const email = stack.email(label);
  const res = await stack.post('/webhooks/signup', { email, firstName: label, ...extra });
  expect(res.status).toBe(202);
  const received = await stack.inbox.waitFor((m) => m.to.includes(email));
  const mail = await simpleParser(received.raw);
  const links = apiLinks(String(mail.html));
  const header = (name: string) =>
    mail.headerLines
      .find((h) => h.key === name)
      ?.line.replace(/^[^:]+:\s*/, '')
      .replace(/\r?\n\s+/g, ' ');
  return {
    email,
    leadId: res.body.leadId as string,
    workflowId: res.body.workflowId as string,
    links,
    listUnsubscribe: header('list-unsubscribe') ?? '',
    listUnsubscribePost: header('list-unsubscribe-post'),
  };
}

/** Flip one character in the signature part of a token path. */
function tamper(path: string): string {
  const last = path.at(-1) === 'A' ? 'B' : 'A';
  return path.slice(0, -1) + last;
}

describe('GET /t/o/<token> (open pixel)', () => {
  it('serves an uncacheable 1x1 GIF, records one open per message and signals the journey', async () => {
    const lead = await signupAndWelcome('pixel');
    expect(lead.links.opens).toHaveLength(1);
    const res = await stack.get(lead.links.opens[0]!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(res.raw.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(res.raw.readUInt16LE(6)).toBe(1); // width
    expect(res.raw.readUInt16LE(8)).toBe(1); // height

    // Reloads (mail clients fetch images again) do not inflate the count.
    await stack.get(lead.links.opens[0]!);
    const events = await stack.db.engagementEvent.findMany({ where: { leadId: lead.leadId, type: 'open' } });
    expect(events).toHaveLength(1);
    const sent = await stack.db.sentMessage.findFirstOrThrow({ where: { leadId: lead.leadId, templateId: 'welcome' } });
    expect(events[0]).toMatchObject({ eventId: `open:${sent.idempotencyKey}`, templateId: 'welcome', campaignId: campaign.id });
    await expect
      .poll(async () => (await engagementSignals(stack.temporal, lead.workflowId)).filter((s) => s.type === 'open'), POLL)
      .toHaveLength(1);
  });

  it('answers 404 to a tampered token and records nothing', async () => {
    const lead = await signupAndWelcome('pixel-tamper');
    const res = await stack.get(tamper(lead.links.opens[0]!));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found' });
    const forged = await stack.get(`/t/o/${sealToken('not-the-tracking-secret', { k: 'o', m: `${lead.workflowId}#welcome` })}`);
    expect(forged.status).toBe(404);
    expect(await stack.db.engagementEvent.count({ where: { leadId: lead.leadId } })).toBe(0);
  });

  it('records nothing for a lead who withdrew consent, but still serves the pixel and the redirect', async () => {
    const lead = await signupAndWelcome('no-consent');
    // A lead who refuses consent is never mailed; one who withdraws it after the mail went out
    // is no longer tracked.
    const withdrawn = await stack.post('/webhooks/signup', { email: lead.email, consent: { given: false } });
    expect(withdrawn.body).toMatchObject({ consent: 'refused' });
    expect((await stack.get(lead.links.opens[0]!)).status).toBe(200);
    const click = await stack.get(lead.links.clicks[0]!);
    expect(click.status).toBe(302);
    expect(await stack.db.engagementEvent.count({ where: { leadId: lead.leadId } })).toBe(0);
  });
});

describe('GET /t/c/<token> (click)', () => {
  it('records a click with data.link and redirects to the minted URL only', async () => {
    const lead = await signupAndWelcome('click');
    const path = lead.links.clicks[0]!;
    // A foreign target appended by someone else is ignored.
    const res = await stack.get(`${path}?url=https://evil.example/&u=https://evil.example/`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://app.nurture.example/setup/signup-form');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    await stack.get(path);
    const clicks = await stack.db.engagementEvent.findMany({ where: { leadId: lead.leadId, type: 'click' } });
    expect(clicks).toHaveLength(1);
    expect(clicks[0]!.data).toMatchObject({ link: 'https://app.nurture.example/setup/signup-form' });
    expect(clicks[0]).toMatchObject({ templateId: 'welcome', campaignId: campaign.id });
    await expect
      .poll(
        async () =>
          (await engagementSignals(stack.temporal, lead.workflowId)).filter((s) => s.type === 'click').map((s) => s.data?.link),
        POLL,
      )
      .toEqual(['https://app.nurture.example/setup/signup-form']);
  });

  it('follows a long click token (a long URL) and encodes non-ASCII targets', async () => {
    const lead = await signupAndWelcome('click-long');
    const sent = await stack.db.sentMessage.findFirstOrThrow({ where: { leadId: lead.leadId } });
    const long = `https://nurture.example/${'a'.repeat(2000)}?q=${'b'.repeat(500)}`;
    const res = await stack.get(`/t/c/${sealToken(stack.config.TRACKING_SECRET, { k: 'c', m: sent.idempotencyKey, u: long })}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(long);
    const unicode = await stack.get(
      `/t/c/${sealToken(stack.config.TRACKING_SECRET, { k: 'c', m: sent.idempotencyKey, u: 'https://exämple.com/ü?x=ø' })}`,
    );
    expect(unicode.status).toBe(302);
    expect(unicode.headers.get('location')).toBe('https://xn--exmple-cua.com/%C3%BC?x=%C3%B8');
    const clicks = await stack.db.engagementEvent.findMany({ where: { leadId: lead.leadId, type: 'click' } });
    expect(clicks.map((c) => (c.data as { link: string }).link).sort()).toEqual([long, 'https://exämple.com/ü?x=ø'].sort());
  });

  it('never redirects to a URL the token was not minted for', async () => {
    const lead = await signupAndWelcome('click-forge');
    const path = lead.links.clicks[0]!;
    const sent = await stack.db.sentMessage.findFirstOrThrow({ where: { leadId: lead.leadId } });
    const payload = { m: sent.idempotencyKey };
    for (const p of [
      tamper(path),
      `/t/c/${sealToken('wrong-secret-0123456789', { k: 'c', m: payload.m, u: 'https://evil.example/' })}`,
    ]) {
      const res = await stack.get(p);
      expect(res.status).toBe(404);
      expect(res.headers.get('location')).toBeNull();
    }
    // A correctly signed token for a non-web URL is not followed either.
    const js = await stack.get(
      `/t/c/${sealToken(stack.config.TRACKING_SECRET, { k: 'c', m: payload.m, u: 'javascript:alert(1)' })}`,
    );
    expect(js.status).toBe(404);
    // An open token is not a click token.
    expect((await stack.get(`/t/c/${lead.links.opens[0]!.slice('/t/o/'.length)}`)).status).toBe(404);
    expect(await stack.db.engagementEvent.count({ where: { leadId: lead.leadId } })).toBe(0);
  });
});

describe('/u/<token> (unsubscribe)', () => {
  it('GET shows a confirmation page with a button and a preferences link, and never unsubscribes', async () => {
    const lead = await signupAndWelcome('unsub-get');
    const path = lead.links.unsubscribes.find((p) => !p.includes('preferences'))!;
    for (let i = 0; i < 3; i++) {
      const res = await stack.get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toContain('<form method="post">');
      expect(res.body).toContain('<button type="submit">Unsubscribe</button>');
      expect(res.body).toContain('href="?preferences=1"');
      expect(res.body).toContain(lead.email);
      expect(res.body).not.toMatch(/<(script|link|img)\b|src=|https?:\/\//);
    }
    const prefs = await stack.get(`${path}?preferences=1`);
    expect(prefs.status).toBe(200);
    expect(prefs.body).toContain('receives marketing email');
    expect(await stack.db.suppression.findUnique({ where: { email: lead.email } })).toBeNull();
    expect(await stack.db.engagementEvent.count({ where: { leadId: lead.leadId, type: 'unsubscribe' } })).toBe(0);
  });

  it('POST (RFC 8058 one-click, from List-Unsubscribe) unsubscribes at once, idempotently, and ends the journey', async () => {
    const lead = await signupAndWelcome('unsub-post');
    expect(lead.listUnsubscribePost).toBe('List-Unsubscribe=One-Click');
    const url = /<(https?:\/\/[^>]+\/u\/[^>]+)>/.exec(lead.listUnsubscribe)?.[1];
    expect(url).toBeDefined();
    const path = new URL(url!).pathname;

    const res = await stack.request('POST', path, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toContain('You are unsubscribed');
    const supp = await stack.db.suppression.findUniqueOrThrow({ where: { email: lead.email } });
    expect(supp).toMatchObject({ reason: 'unsubscribed', detail: 'one-click' });
    const events = await stack.db.engagementEvent.findMany({ where: { leadId: lead.leadId, type: 'unsubscribe' } });
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ method: 'one-click', email: lead.email });

    // Again, with an empty body and with a multipart body: same outcome, still one event.
    expect((await stack.request('POST', path)).status).toBe(200);
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const multipart = await fetch(`${stack.api.url}${path}`, { method: 'POST', body: form });
    expect(multipart.status).toBe(200);
    expect(await stack.db.engagementEvent.count({ where: { leadId: lead.leadId, type: 'unsubscribe' } })).toBe(1);

    await expect
      .poll(async () => (await engagementSignals(stack.temporal, lead.workflowId)).filter((s) => s.type === 'unsubscribe'), POLL)
      .toHaveLength(1);
    // The example campaign exits on unsubscribe: the journey ends.
    await expect
      .poll(async () => (await stack.temporal.workflow.getHandle(lead.workflowId).describe()).status.name, POLL)
      .toBe('COMPLETED');

    // Now the page says so, and the preferences page too.
    const get = await stack.get(path);
    expect(get.body).toContain('You are unsubscribed');
    expect((await stack.get(`${path}?preferences=1`)).body).toContain('is unsubscribed');
  });

  it('the confirmation page button unsubscribes (form POST to the same URL)', async () => {
    const lead = await signupAndWelcome('unsub-form');
    const path = lead.links.unsubscribes.find((p) => !p.includes('preferences'))!;
    const res = await stack.request('POST', path, {
      body: 'confirm=page',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(await stack.db.suppression.findUnique({ where: { email: lead.email } })).toMatchObject({
      reason: 'unsubscribed',
      detail: 'page',
    });
  });

  it('a tampered unsubscribe token is a 404 page and changes nothing', async () => {
    const lead = await signupAndWelcome('unsub-tamper');
    const path = lead.links.unsubscribes.find((p) => !p.includes('preferences'))!;
    const res = await stack.request('POST', tamper(path), {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(404);
    expect(res.body).toContain('This link is not valid');
    const forged = `/u/${sealToken('wrong-secret-0123456789', { k: 'u', l: lead.leadId, e: lead.email })}`;
    expect((await stack.request('POST', forged)).status).toBe(404);
    expect((await stack.get(forged)).status).toBe(404);
    expect(await stack.db.suppression.findUnique({ where: { email: lead.email } })).toBeNull();
  });
});
