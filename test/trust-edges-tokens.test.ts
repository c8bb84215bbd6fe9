// TRACKING_SECRET rotation and token tampering through the real /u/ and /t/c/ endpoints
// (issue 11, item 6). The stack runs with TRACKING_SECRET=<new>,<old>: the new key seals,
// both open, and tokens of the first format (no key id) still open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { sealToken, tokenKeyId } from '../infra/tokens.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { apiLinks, apiTestEnv } from './support/api.ts';
import { LEGACY_SECRET, LEGACY_UNSUBSCRIBE_TOKEN, tokenMutations } from './support/token-fuzz.ts';

const NEW_SECRET = 'rotated-tracking-secret-2026-11';
const OTHER_SECRET = 'someone-elses-secret-000000000';

let stack: TestStack;
const campaign = apiTestEnv();
beforeAll(async () => {
  stack = await startStack({
    ...campaign.env,
    TRACKING_SECRET: `${NEW_SECRET},${LEGACY_SECRET}`,
    // Hundreds of requests from one address: this file is about tokens, not rate limits.
    RATE_LIMIT_LINKS_PER_MINUTE: '0',
  });
});
afterAll(async () => {
  await stack?.close();
  campaign.cleanup();
});

async function signupAndWelcome(label: string) {
  const email = stack.email(label);
  const res = await stack.post('/webhooks/signup', { email, firstName: label });
  expect(res.status).toBe(202);
  const received = await stack.inbox.waitFor((m) => m.to.includes(email));
  const links = apiLinks(String((await simpleParser(received.raw)).html));
  return { email, leadId: res.body.leadId as string, links };
}

const unsubscribe = (path: string) =>
  stack.request('POST', path, {
    body: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

describe('TRACKING_SECRET rotation on the real API', () => {
  it('mail goes out with links sealed by the first key (its key id in the token)', async () => {
    const lead = await signupAndWelcome('rot-new');
    const path = lead.links.unsubscribes.find((p) => !p.includes('preferences'))!;
    expect(path.startsWith(`/u/${tokenKeyId(NEW_SECRET)}.`)).toBe(true);
    expect(lead.links.clicks[0]!.startsWith(`/t/c/${tokenKeyId(NEW_SECRET)}.`)).toBe(true);
  });

  it('a token sealed with the old key still unsubscribes after the new key is put first', async () => {
    const lead = await signupAndWelcome('rot-old');
    const old = sealToken([LEGACY_SECRET], { k: 'u', l: lead.leadId, e: lead.email });
    const res = await unsubscribe(`/u/${old}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('You are unsubscribed');
    expect(await stack.db.suppression.findUnique({ where: { email: lead.email } })).toMatchObject({ reason: 'unsubscribed' });
  });

  it('a link of the first format (no key id, already in inboxes) still opens its page', async () => {
    const res = await stack.get(`/u/${LEGACY_UNSUBSCRIBE_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('legacy@example.com');
  });
});

describe('token tampering fuzz through /u/<token> and /t/c/<token>', () => {
  it('hundreds of mutated tokens: none accepted, no 5xx, nothing recorded', async () => {
    const lead = await signupAndWelcome('fuzz');
    const unsubscribePath = lead.links.unsubscribes.find((p) => !p.includes('preferences'))!;
    const clickPath = lead.links.clicks[0]!;
    const keyIds = [tokenKeyId(NEW_SECRET), tokenKeyId(LEGACY_SECRET), tokenKeyId(OTHER_SECRET)];

    // The authentic links work (GET shows a page, a click redirects), so a 404 below is the token.
    expect((await stack.get(unsubscribePath)).status).toBe(200);
    expect((await stack.get(clickPath)).status).toBe(302);

    const statuses = new Map<number, number>();
    const accepted: string[] = [];
    let tried = 0;
    const tryPath = async (method: 'GET' | 'POST', path: string, okStatus: number) => {
      const res = method === 'POST' ? await unsubscribe(path) : await stack.get(path);
      tried++;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === okStatus || res.status >= 500) accepted.push(`${method} ${path} -> ${res.status}`);
    };
    const unsubscribeToken = unsubscribePath.slice('/u/'.length);
    const clickToken = clickPath.slice('/t/c/'.length);
    const foreign = sealToken([OTHER_SECRET], { k: 'u', l: lead.leadId, e: lead.email });
    for (const m of [...tokenMutations(unsubscribeToken, keyIds, 7), foreign]) {
      await tryPath('POST', `/u/${encodeURIComponent(m)}`, 200);
      await tryPath('GET', `/u/${encodeURIComponent(m)}`, 200);
    }
    for (const m of tokenMutations(clickToken, keyIds, 11)) await tryPath('GET', `/t/c/${encodeURIComponent(m)}`, 302);

    expect(tried).toBeGreaterThan(300);
    expect(accepted).toEqual([]);
    expect([...statuses.keys()].every((s) => s === 404 || s === 400)).toBe(true);
    expect(await stack.db.suppression.findUnique({ where: { email: lead.email } })).toBeNull();
    expect(await stack.db.engagementEvent.count({ where: { leadId: lead.leadId, type: 'click' } })).toBe(1);
  });
});
