// Issue 11, item 8: no pooled database connection is held while the API waits for Temporal.
// A second API on the same database talks to a "black hole" Temporal (a TCP port that accepts
// and never answers), with a pool of 2 connections: every signal hangs until the deadline.
// Meanwhile the pool still serves other requests, and the events path keeps its guarantees
// (api/engagement.ts): nothing kept on failure, duplicates counted once, a concurrent duplicate
// takes over a failed attempt, a crashed attempt's claim is taken over after its lease.
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../api/server.ts';
import { loadConfig } from '../config/index.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';
import { connectClient } from '../infra/client.ts';
import { createDb, type Db } from '../infra/db.ts';
import { apiTestEnv, engagementSignals } from './support/api.ts';
import { startStack, type TestStack } from './support/stack.ts';

/** The black-hole API's Temporal deadline; the real stack's is the default (5 s). */
const STUCK_TIMEOUT_MS = 3000;

let stack: TestStack;
let blackHole: net.Server;
const held: net.Socket[] = [];
let stuckDb: Db;
let stuckTemporal: Client;
let stuck: FastifyInstance;
let stuckUrl: string;
/** Marks the black-hole API's database connections in pg_stat_activity. */
const appName = `trust-events-${process.pid}-${Date.now().toString(36)}`;
const campaign = apiTestEnv();

beforeAll(async () => {
  stack = await startStack(campaign.env);
  blackHole = net.createServer((socket) => {
    held.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const { port } = blackHole.address() as net.AddressInfo;
  const url = new URL(stack.config.DATABASE_URL);
  url.searchParams.set('application_name', appName);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    NURTURE_DATA_DIR: stack.config.NURTURE_DATA_DIR,
    DATABASE_URL: url.toString(),
    DATABASE_POOL_MAX: '2',
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
    ...campaign.env,
  });
  stuckDb = createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  stuckTemporal = await connectClient(config, { lazy: true });
  stuck = await buildServer({
    config,
    db: stuckDb,
    temporal: stuckTemporal,
    campaigns: new CampaignRegistry(config.campaignsDir),
    temporalTimeoutMs: STUCK_TIMEOUT_MS,
  });
  stuckUrl = await stuck.listen({ port: 0, host: '127.0.0.1' });
}, 120_000);

afterAll(async () => {
  await stuck?.close();
  await stuckTemporal?.connection.close();
  await stuckDb?.$disconnect();
  for (const s of held) s.destroy();
  await new Promise((resolve) => blackHole?.close(resolve));
  await stack?.close();
  campaign.cleanup();
});

async function postStuck(body: unknown) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${stuckUrl}/webhooks/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'nurture-signature': stack.sign(raw) },
    body: raw,
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

async function signup(label: string) {
  const email = stack.email(label);
  const res = await stack.post('/webhooks/signup', { email });
  expect(res.status).toBe(202);
  return { email, leadId: res.body.leadId as string, workflowId: res.body.workflowId as string };
}

const pendingRows = (eventIds: string[]) =>
  stack.db.engagementEvent.count({ where: { eventId: { in: eventIds }, pendingSince: { not: null } } });

/** The black-hole API's connections that sit inside an open transaction. */
async function idleInTransaction(): Promise<number> {
  const [row] = await stack.db.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE application_name = ${appName} AND state LIKE 'idle in transaction%'`;
  return row!.n;
}

describe('a slow Temporal does not hold database connections', () => {
  it('with a pool of 2 and 10 events waiting on Temporal, a DB-only request is answered before any of them', async () => {
    const lead = await signup('pool');
    const ids = Array.from({ length: 10 }, (_, i) => `pool-${lead.leadId}-${i}`);
    const finished: string[] = [];
    const events = ids.map((eventId) =>
      postStuck({ type: 'open', leadId: lead.leadId, eventId }).then((r) => {
        finished.push(eventId);
        return r;
      }),
    );
    // The signals are on their way: the black hole took the client's connection.
    await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(0);

    const probe = await fetch(`${stuckUrl}/api/leads/${lead.leadId}`, {
      headers: { authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` },
    });
    finished.push('probe');
    // Answered before any of the events, all of which wait out the Temporal deadline.
    expect(finished).toEqual(['probe']);
    expect(probe.status).toBe(200);
    expect(((await probe.json()) as any).lead.id).toBe(lead.leadId);
    // All ten are waiting for Temporal at once (their claims pending), inside no transaction.
    await expect.poll(() => pendingRows(ids), { timeout: 10_000 }).toBe(10);
    expect(await idleInTransaction()).toBe(0);

    const results = await Promise.all(events);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(503));
    for (const r of results) expect(r.retryAfter).toMatch(/^\d+$/);
    // Nothing kept: the sender's retry is processed as new.
    expect(await stack.db.engagementEvent.count({ where: { eventId: { in: ids } } })).toBe(0);
  }, 60_000);
});

describe('the events path keeps its guarantees without a held transaction', () => {
  it('Temporal unreachable: 503 and no event kept; the retry is new, then a duplicate; a suppression is kept', async () => {
    const lead = await signup('down');
    const event = { type: 'click', leadId: lead.leadId, eventId: `down-${lead.leadId}` };
    const res = await postStuck(event);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'temporarily_unavailable', eventId: event.eventId });
    expect(await stack.db.engagementEvent.count({ where: { eventId: event.eventId } })).toBe(0);

    const retry = await stack.post('/webhooks/events', event);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ duplicate: false, signalled: 1 });
    const again = await stack.post('/webhooks/events', event);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true });
    expect(await stack.db.engagementEvent.findUnique({ where: { eventId: event.eventId } })).toMatchObject({
      pendingSince: null,
    });
    await expect
      .poll(async () => (await engagementSignals(stack.temporal, lead.workflowId)).map((s) => s.eventId))
      .toEqual([event.eventId]);

    // Stopping mail is never wrong: the suppression is committed as soon as the event is claimed.
    const complaint = { type: 'complaint', leadId: lead.leadId, eventId: `down-complaint-${lead.leadId}` };
    expect((await postStuck(complaint)).status).toBe(503);
    expect(await stack.db.engagementEvent.count({ where: { eventId: complaint.eventId } })).toBe(0);
    expect(await stack.db.suppression.findUnique({ where: { email: lead.email } })).toMatchObject({ reason: 'complained' });
  }, 60_000);

  it('a duplicate arriving while the first delivery fails takes over and processes it, once', async () => {
    const lead = await signup('takeover');
    const event = { type: 'pricing_viewed', leadId: lead.leadId, eventId: `takeover-${lead.leadId}` };
    const first = postStuck(event);
    await expect.poll(() => pendingRows([event.eventId]), { timeout: 10_000 }).toBe(1);

    const second = await stack.post('/webhooks/events', event);
    expect((await first).status).toBe(503);
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ duplicate: false, signalled: 1 });
    const rows = await stack.db.engagementEvent.findMany({ where: { eventId: event.eventId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.pendingSince).toBeNull();
    await expect
      .poll(async () => (await engagementSignals(stack.temporal, lead.workflowId)).map((s) => s.eventId))
      .toEqual([event.eventId]);
  }, 60_000);

  it("a crashed attempt's claim is taken over after its lease; a live one answers 503 and stays", async () => {
    const lead = await signup('crashed');
    const claim = (eventId: string, age: string) => stack.db.$executeRaw`
      INSERT INTO engagement_events (id, event_id, lead_id, type, data, pending_since)
      VALUES (gen_random_uuid(), ${eventId}, ${lead.leadId}::uuid, 'open', '{}',
              (now() AT TIME ZONE 'UTC') - ${age}::interval)`;

    const crashed = `crashed-${lead.leadId}`;
    await claim(crashed, '1 hour');
    const res = await stack.post('/webhooks/events', { type: 'open', leadId: lead.leadId, eventId: crashed });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ duplicate: false, signalled: 1 });
    expect(await stack.db.engagementEvent.findUnique({ where: { eventId: crashed } })).toMatchObject({ pendingSince: null });
    await expect
      .poll(async () => (await engagementSignals(stack.temporal, lead.workflowId)).map((s) => s.eventId))
      .toEqual([crashed]);

    // A claim within its lease may still be signalling: wait for it up to the deadline, then 503.
    const live = `live-${lead.leadId}`;
    await claim(live, '0 seconds');
    const busy = await stack.post('/webhooks/events', { type: 'open', leadId: lead.leadId, eventId: live });
    expect(busy.status).toBe(503);
    expect(await pendingRows([live])).toBe(1);
    expect((await engagementSignals(stack.temporal, lead.workflowId)).map((s) => s.eventId)).toEqual([crashed]);
  }, 60_000);
});
