// Temporal unreachable: the API answers 503 with Retry-After and keeps nothing as accepted (a
// signup's enrollment stays pending, never active), so the sender's retry, once Temporal is
// back, is processed as new. Runs against its own
// Temporal dev server (persisted to a SQLite file) that the test stops and starts again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { buildServer } from '../api/server.ts';
import { signatureHeader } from '../infra/signature.ts';
import { loadConfig, type Config } from '../config/index.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';
import { connectClient } from '../infra/client.ts';
import { createDb, type Db } from '../infra/db.ts';
import { freePort } from '../infra/dev/ports.ts';
import { startTemporalDevServer, type DevServer } from '../infra/dev/temporal-dev.ts';
import { sealToken } from '../infra/tokens.ts';
import { apiTestEnv, engagementSignals, sleep } from './support/api.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/journey/search-attributes.ts';

let server: DevServer | undefined;
let port: number;
let dbFile: string;
let config: Config;
let db: Db;
let temporal: Client;
let app: FastifyInstance;
let url: string;
const campaign = apiTestEnv();
const tag = Date.now().toString(36);

async function startTemporal() {
  server = await startTemporalDevServer({
    port,
    dbFile,
    searchAttributes: SEARCH_ATTRIBUTES,
    cliPath: process.env.TEMPORAL_CLI_PATH,
  });
}

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-temporal-down-'));
  dbFile = path.join(dir, 'temporal.sqlite');
  port = await freePort();
  await startTemporal();
  config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    NURTURE_DATA_DIR: dir,
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: server!.address,
    TEMPORAL_TASK_QUEUE: `down-${tag}`, // no worker: journeys are started, never run
    ...campaign.env,
  });
  db = createDb(config.DATABASE_URL, 5);
  temporal = await connectClient(config);
  app = await buildServer({
    config,
    db,
    temporal,
    campaigns: new CampaignRegistry(config.campaignsDir),
    temporalTimeoutMs: 1500,
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await temporal?.connection.close();
  await db?.$disconnect();
  await server?.stop();
  campaign.cleanup();
});

async function post(pathname: string, body: unknown) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${url}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'nurture-signature': signatureHeader(config.WEBHOOK_SECRET[0]!, raw) },
    body: raw,
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

describe('Temporal stopped', () => {
  it('answers 503 with Retry-After, records nothing as accepted, and processes the retry once Temporal is back', async () => {
    const email = `down-${tag}@example.com`;
    const signup = await post('/webhooks/signup', { email });
    expect(signup.status).toBe(202);
    const { leadId, workflowId } = signup.body;
    const reader = `down-reader-${tag}@example.com`;
    const readerSignup = await post('/webhooks/signup', { email: reader });
    expect(readerSignup.status).toBe(202);
    const unsubscribeUrl = `${url}/u/${sealToken(config.TRACKING_SECRET, { k: 'u', l: readerSignup.body.leadId, e: reader })}`;

    await server!.stop();
    server = undefined;

    // A single event.
    const event = { type: 'unsubscribe', email, eventId: `down-unsub-${tag}` };
    const res = await post('/webhooks/events', event);
    expect(res.status).toBe(503);
    expect(res.retryAfter).toMatch(/^\d+$/);
    expect(res.body).toMatchObject({ error: 'temporarily_unavailable', eventId: event.eventId });
    expect(await db.engagementEvent.count({ where: { eventId: event.eventId } })).toBe(0);
    // The suppression is committed as soon as the event is claimed: stopping mail is never wrong.
    expect(await db.suppression.findUnique({ where: { email } })).toMatchObject({ reason: 'unsubscribed' });

    // A batch: 503 overall, every event marked, none kept.
    const batch = await post('/webhooks/events', {
      events: [
        { type: 'open', email, eventId: `down-b1-${tag}` },
        { type: 'click', email, eventId: `down-b2-${tag}` },
      ],
    });
    expect(batch.status).toBe(503);
    expect(batch.retryAfter).toMatch(/^\d+$/);
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([503, 503]);
    expect(await db.engagementEvent.count({ where: { leadId } })).toBe(0);

    // A signup: 503 too (its journey cannot be started). Its enrollment is kept pending, never
    // active: events for the lead are not dropped as "journey ended", and the retry completes it.
    const newSignupBody = { email: `down-new-${tag}@example.com`, eventId: `down-signup-${tag}` };
    const newSignup = await post('/webhooks/signup', newSignupBody);
    expect(newSignup.status).toBe(503);
    expect(await db.engagementEvent.count({ where: { eventId: `signup:down-signup-${tag}` } })).toBe(0);
    const newLead = await db.lead.findUniqueOrThrow({ where: { email: newSignupBody.email } });
    const newEnrollment = () => db.enrollment.findMany({ where: { leadId: newLead.id }, select: { status: true } });
    expect(await newEnrollment()).toEqual([{ status: 'pending' }]);

    // Tracking still serves the pixel; the open is simply not recorded.
    await db.sentMessage.create({
      data: {
        idempotencyKey: `${workflowId}#welcome`,
        leadId,
        workflowId,
        stepKey: 'welcome',
        campaignId: campaign.id,
        templateId: 'welcome',
        toAddress: email,
        messageId: `<${tag}@test>`,
        status: 'sent',
      },
    });
    const pixel = await fetch(`${url}/t/o/${sealToken(config.TRACKING_SECRET, { k: 'o', m: `${workflowId}#welcome` })}`);
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    expect(await db.engagementEvent.count({ where: { leadId } })).toBe(0);

    // Unsubscribe (one-click POST) while Temporal is down: the reader is unsubscribed all the
    // same; the event is not kept, so a repeated POST later signals the journey.
    const unsubscribed = await fetch(unsubscribeUrl, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(unsubscribed.status).toBe(200);
    expect(await db.suppression.findUnique({ where: { email: reader } })).toMatchObject({ reason: 'unsubscribed' });
    expect(await db.engagementEvent.count({ where: { leadId: readerSignup.body.leadId } })).toBe(0);

    // Temporal comes back (same state file); the sender retries until it is accepted.
    await startTemporal();
    let retry = await post('/webhooks/events', event);
    for (let i = 0; retry.status === 503 && i < 40; i++) {
      await sleep(Number(retry.retryAfter ?? 1) * 200);
      retry = await post('/webhooks/events', event);
    }
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ duplicate: false, signalled: 1, suppressed: 'unsubscribed' });
    expect(await db.engagementEvent.count({ where: { eventId: event.eventId } })).toBe(1);
    expect(await db.suppression.findUnique({ where: { email } })).toMatchObject({ reason: 'unsubscribed' });
    expect((await engagementSignals(temporal, workflowId)).map((s) => s.eventId)).toEqual([event.eventId]);

    // The signup's retry is processed as new: the journey is started, the enrollment active.
    const signupAgain = await post('/webhooks/signup', newSignupBody);
    expect(signupAgain.status).toBe(202);
    expect(signupAgain.body).toMatchObject({ leadId: newLead.id, enrolled: true, newLead: false });
    expect(await newEnrollment()).toEqual([{ status: 'active' }]);
    expect((await temporal.workflow.getHandle(signupAgain.body.workflowId).describe()).status.name).toBe('RUNNING');
    expect(await db.engagementEvent.count({ where: { eventId: `signup:down-signup-${tag}` } })).toBe(1);

    const batchAgain = await post('/webhooks/events', {
      events: [
        { type: 'open', email, eventId: `down-b1-${tag}` },
        { type: 'click', email, eventId: `down-b2-${tag}` },
      ],
    });
    expect(batchAgain.status).toBe(202);
    expect(batchAgain.body.accepted).toBe(2);

    // The reader's repeated unsubscribe now reaches the journey, recorded once.
    const again = await fetch(unsubscribeUrl, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(again.status).toBe(200);
    expect((await engagementSignals(temporal, readerSignup.body.workflowId)).map((s) => s.type)).toEqual(['unsubscribe']);
    expect(await db.engagementEvent.count({ where: { leadId: readerSignup.body.leadId, type: 'unsubscribe' } })).toBe(1);
  }, 180_000);
});
