// The admin API on the real stack: bearer tokens, one lead with its timeline, and the
// filtered, paginated list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { apiTestEnv } from './support/api.ts';
import { POLL } from './support/timing.ts';

const TOKEN_A = 'admin-token-a-0123456789abcdef';
const TOKEN_B = 'admin-token-b-0123456789abcdef';

// A campaign that scores replies and stalls a lead who goes quiet (without ending the journey
// soon), so the lead detail has a score and a stall to report.
const SCORED = 'admin-scored';
let stack: TestStack;
const campaign = apiTestEnv({
  [SCORED]: `
id: ${SCORED}
name: Admin scored (test)
scoring:
  points: { reply: 5, click: 3 }
stages:
  awareness:
    steps:
      - send: welcome
      - waitFor: purchase
    stall:
      after: 2s
      dormantAfter: 1h
`,
});
beforeAll(async () => {
  stack = await startStack({ ADMIN_TOKENS: `${TOKEN_A},${TOKEN_B}`, ...campaign.env });
});
afterAll(async () => {
  await stack?.close();
  campaign.cleanup();
});

const asAdmin = (path: string, token = TOKEN_A) => stack.request('GET', path, { headers: { authorization: `Bearer ${token}` } });

/** Every lead a list query returns, across all pages (other test files share the database). */
async function allLeads(query: string): Promise<Array<{ id: string; stalled: boolean }>> {
  const out: Array<{ id: string; stalled: boolean }> = [];
  let cursor: string | null = null;
  do {
    const res = await asAdmin(`/api/leads?${query}&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    out.push(...res.body.leads);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

describe('admin authentication', () => {
  it('answers 401 JSON without a token or with a wrong one, for every admin route', async () => {
    for (const path of ['/api/leads', '/api/leads/00000000-0000-4000-8000-000000000000']) {
      const none = await stack.get(path);
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({ error: 'unauthorized' });
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      for (const authorization of ['Bearer wrong-token-0123456789abcdef', `Basic ${TOKEN_A}`, `Bearer ${TOKEN_A}x`, TOKEN_A]) {
        expect((await stack.get(path, { authorization })).status, authorization).toBe(401);
      }
    }
  });

  it('accepts every configured token', async () => {
    expect((await asAdmin('/api/leads', TOKEN_A)).status).toBe(200);
    expect((await asAdmin('/api/leads', TOKEN_B)).status).toBe(200);
  });

  it('does not guard the webhooks, tracking or health routes with the admin token', async () => {
    expect((await stack.get('/healthz')).status).toBe(200);
    // Webhooks: the signature is their guard, not a bearer token.
    const email = stack.email('unguarded');
    const signup = await stack.post('/webhooks/signup', { email });
    expect(signup.status, JSON.stringify(signup.body)).toBe(202);
    const event = await stack.post('/webhooks/events', { type: 'visit', email, eventId: `visit-${email}` });
    expect(event.status, JSON.stringify(event.body)).toBe(202);
    // Tracking and unsubscribe: a sealed token in the path; an unknown one is a 404, never a 401.
    for (const path of ['/t/o/not-a-token.gif', '/t/c/not-a-token', '/u/not-a-token']) {
      const res = await stack.get(path);
      expect(res.status, path).not.toBe(401);
      expect(res.headers.get('www-authenticate'), path).toBeNull();
    }
  });
});

describe('GET /api/leads/:id', () => {
  it('returns the lead, stage, score, stall, flags and a timeline of messages, events and stage changes', async () => {
    const email = stack.email('detail');
    const signup = await stack.post('/webhooks/signup', {
      email,
      firstName: 'Dee',
      company: 'Detail Co',
      properties: { plan: 'team' },
      campaign: SCORED,
    });
    expect(signup.status).toBe(202);
    const id = signup.body.leadId as string;
    await stack.inbox.waitFor((m) => m.to.includes(email));
    await expect.poll(async () => (await stack.db.sentMessage.findFirst({ where: { leadId: id } }))?.status, POLL).toBe('sent');
    const event = await stack.post('/webhooks/events', {
      type: 'reply',
      email,
      eventId: `reply-${id}`,
      data: { snippet: 'Interested!' },
    });
    expect(event.status).toBe(202);
    // The reply scores 5; two quiet seconds later the journey flags the lead stalled.
    const workflowId = signup.body.workflowId as string;
    await expect.poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).score, POLL).toBe(5);
    await expect
      .poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).stalled, POLL)
      .toBe(true);

    const res = await asAdmin(`/api/leads/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const d = res.body;
    expect(d.lead).toMatchObject({ id, email, firstName: 'Dee', company: 'Detail Co', properties: { plan: 'team' } });
    expect(d.stage).toBe('awareness');
    expect(d.score).toBe(5);
    expect(d.stalled).toBe(true);
    expect(d.suppression).toBeNull();
    expect(d.enrollments).toEqual([
      expect.objectContaining({ campaignId: SCORED, workflowId, status: 'active', score: 5, stalled: true }),
    ]);
    // The open flag (a slow machine may have flagged and cleared one before the reply).
    expect(d.flags.filter((f: { clearedAt: string | null }) => f.clearedAt === null)).toEqual([
      expect.objectContaining({ kind: 'stalled', campaignId: SCORED, stage: 'awareness', clearedAt: null }),
    ]);
    const kinds = d.timeline.map((t: { kind: string }) => t.kind);
    expect(kinds).toEqual(expect.arrayContaining(['stage_change', 'message', 'event']));
    expect(d.timeline.find((t: { kind: string }) => t.kind === 'message')).toMatchObject({
      templateId: 'welcome',
      status: 'sent',
    });
    expect(d.timeline.find((t: { kind: string }) => t.kind === 'event')).toMatchObject({
      type: 'reply',
      eventId: `reply-${id}`,
      data: { snippet: 'Interested!' },
    });
    const times = d.timeline.map((t: { at: string }) => Date.parse(t.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('answers 404 JSON for an unknown or malformed id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1'; DROP TABLE leads;--"]) {
      const res = await asAdmin(`/api/leads/${encodeURIComponent(id)}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not_found');
    }
  });
});

describe('GET /api/leads', () => {
  it('pages through leads in a stable order with a cursor, and filters by stage, stalled and campaign', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await stack.post('/webhooks/signup', { email: stack.email('list') });
      ids.push(r.body.leadId);
    }
    // Our leads, newest first, whatever other tests add meanwhile.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await asAdmin(`/api/leads?limit=2&campaign=${campaign.id}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.leads.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.leads.map((l: { id: string }) => l.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(new Set(seen).size).toBe(seen.length); // no lead twice
    const ours = seen.filter((id) => ids.includes(id));
    expect(ours).toEqual([...ids].reverse());

    // Stalled filter, on a lead we mark stalled by hand.
    const stalledId = ids[2]!;
    await stack.db.enrollment.updateMany({ where: { leadId: stalledId }, data: { stalled: true, stage: 'interest' } });
    await stack.db.lead.update({ where: { id: stalledId }, data: { stage: 'interest' } });
    // An ended journey that was stalled does not count as stalled.
    const endedId = ids[3]!;
    await stack.db.enrollment.updateMany({ where: { leadId: endedId }, data: { stalled: true, status: 'dormant' } });
    const stalled = await allLeads('stalled=true');
    expect(stalled.map((l) => l.id)).toContain(stalledId);
    expect(stalled.every((l) => l.stalled)).toBe(true);
    expect(stalled.map((l) => l.id)).not.toContain(endedId);
    const notStalled = (await allLeads('stalled=false')).map((l) => l.id);
    expect(notStalled).not.toContain(stalledId);
    expect(notStalled).toContain(endedId);

    const interest = await asAdmin(`/api/leads?stage=interest&campaign=${campaign.id}&limit=200`);
    expect(interest.body.leads.map((l: { id: string }) => l.id)).toEqual([stalledId]);
    const otherCampaign = await asAdmin('/api/leads?campaign=no-such-campaign');
    expect(otherCampaign.body).toEqual({ leads: [], nextCursor: null });
  });

  it('answers 400 naming each bad query parameter', async () => {
    const res = await asAdmin('/api/leads?limit=0&stalled=maybe&cursor=zzz');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_query');
    expect(res.body.issues.map((i: { field: string }) => i.field).sort()).toEqual(['cursor', 'limit', 'stalled']);
  });
});
