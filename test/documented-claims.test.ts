// Claims the docs make that no other test checked, each on the real stack: a repeated signup
// overwrites fields and merges properties (api/README.md, signup); a concurrent duplicate
// event waits for the first transaction and is processed if it rolled back (api/README.md,
// durability); crossing the qualification threshold moves the lead to its stage
// (core/campaign/FORMAT.md); a hard bounce ends the journey (FORMAT.md `exitOn`, default hard
// bounce); tracking still serves the pixel and the redirect when the database fails
// (api/README.md, tracking).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../app/services.ts';
import { loadConfig } from '../config/index.ts';
import { createDb } from '../infra/db.ts';
import { sealToken } from '../infra/tokens.ts';
import { apiTestEnv, engagementSignals } from './support/api.ts';
import { sentTemplates, stagesOf } from './support/journeys.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

const QUALIFY = `
id: claims-qualify
name: Qualification (test)
scoring:
  points: { reply: 5, open: 1 }
  qualification: { threshold: 5, stage: desire }
stages:
  awareness:
    steps:
      - send: welcome
      - waitFor: purchase
  interest:
    steps:
      - waitFor: purchase
  desire:
    steps:
      - send: testimonial
      - waitFor: purchase
`;

let stack: TestStack;
const campaign = apiTestEnv({ qualify: QUALIFY });
const bouncing = new Set<string>();
beforeAll(async () => {
  stack = await startStack(campaign.env);
  stack.inbox.setRecipientRule((address) =>
    bouncing.has(address) ? { code: 550, message: '5.1.1 No such user here' } : undefined,
  );
});
afterAll(async () => {
  await stack?.close();
  campaign.cleanup();
});

describe('a repeated signup', () => {
  it('reaches the same lead and journey; the fields it brings overwrite, properties merge', async () => {
    const email = stack.email('repeat');
    const first = await stack.post('/webhooks/signup', {
      email,
      firstName: 'Ada',
      lastName: 'Byron',
      company: 'Analytical Engines',
      timezone: 'Europe/London',
      properties: { plan: 'free', seats: 1, trial: true },
    });
    expect(first.status).toBe(202);
    const again = await stack.post('/webhooks/signup', {
      email,
      firstName: 'Augusta',
      company: 'Difference Engines',
      properties: { plan: 'pro', region: 'eu' },
    });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ leadId: first.body.leadId, workflowId: first.body.workflowId, newLead: false });
    const lead = await stack.db.lead.findUniqueOrThrow({ where: { email } });
    expect(lead).toMatchObject({
      firstName: 'Augusta', // brought again: overwritten
      company: 'Difference Engines',
      lastName: 'Byron', // not brought: kept
      timezone: 'Europe/London',
    });
    expect(lead.properties).toEqual({ plan: 'pro', seats: 1, trial: true, region: 'eu' });
  });
});

describe('a concurrent duplicate event', () => {
  /** A transaction of our own that has inserted `eventId` and holds it, as a first delivery in flight would. */
  async function firstDeliveryInFlight(eventId: string, leadId: string) {
    const client = new pg.Client({ connectionString: stack.config.DATABASE_URL });
    await client.connect();
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO engagement_events (id, event_id, lead_id, type, data) VALUES ($1, $2, $3, 'reply', '{}'::jsonb)`,
      [randomUUID(), eventId, leadId],
    );
    return client;
  }

  /**
   * Resolves once a session waits on a lock in engagement_events: the API's insert of the same
   * id is blocked. Asked on a connection of its own: inside a transaction PostgreSQL keeps
   * showing the activity it saw first.
   */
  async function blockedOnTheFirst() {
    const watcher = new pg.Client({ connectionString: stack.config.DATABASE_URL });
    await watcher.connect();
    try {
      await expect
        .poll(async () => {
          const { rows } = await watcher.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%engagement_events%'`,
          );
          return rows[0]!.n;
        }, POLL)
        .toBeGreaterThan(0);
    } finally {
      await watcher.end();
    }
  }

  it('is processed as new when the first transaction rolled back', async () => {
    const signup = await stack.post('/webhooks/signup', { email: stack.email('rollback') });
    const { leadId, workflowId } = signup.body;
    const eventId = `concurrent-rollback-${leadId}`;
    const client = await firstDeliveryInFlight(eventId, leadId);
    try {
      const second = stack.post('/webhooks/events', { type: 'reply', leadId, eventId });
      await blockedOnTheFirst();
      await client.query('ROLLBACK');
      const res = await second;
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ duplicate: false, signalled: 1 });
    } finally {
      await client.end();
    }
    expect(await stack.db.engagementEvent.count({ where: { eventId } })).toBe(1);
    expect((await engagementSignals(stack.temporal, workflowId)).map((s) => s.eventId)).toEqual([eventId]);
  });

  it('is a duplicate when the first transaction committed', async () => {
    const signup = await stack.post('/webhooks/signup', { email: stack.email('commit') });
    const { leadId, workflowId } = signup.body;
    const eventId = `concurrent-commit-${leadId}`;
    const client = await firstDeliveryInFlight(eventId, leadId);
    try {
      const second = stack.post('/webhooks/events', { type: 'reply', leadId, eventId });
      await blockedOnTheFirst();
      await client.query('COMMIT');
      const res = await second;
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ duplicate: true, leadId });
    } finally {
      await client.end();
    }
    expect(await stack.db.engagementEvent.count({ where: { eventId } })).toBe(1);
    expect(await engagementSignals(stack.temporal, workflowId)).toEqual([]);
  });
});

describe('qualification', () => {
  it('flags the lead qualified once and moves it forward to the qualification stage', async () => {
    const signup = await stack.post('/webhooks/signup', { email: stack.email('qualify'), campaign: 'claims-qualify' });
    const { leadId, workflowId } = signup.body;
    await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome']);
    // 1 point: below the threshold, nothing happens.
    await stack.post('/webhooks/events', { type: 'open', leadId, eventId: `q-open-${leadId}` });
    await expect.poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).score, POLL).toBe(1);
    expect((await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).stage).toBe('awareness');
    // 6 points: over it. The lead skips interest and lands in desire, whose email goes out.
    await stack.post('/webhooks/events', { type: 'reply', leadId, eventId: `q-reply-${leadId}` });
    await expect
      .poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).stage, POLL)
      .toBe('desire');
    expect(await stagesOf(stack, workflowId)).toEqual(['awareness', 'desire']);
    expect((await stack.db.lead.findUniqueOrThrow({ where: { id: leadId } })).stage).toBe('desire');
    await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome', 'testimonial']);
    // Another reply: still qualified once.
    await stack.post('/webhooks/events', { type: 'reply', leadId, eventId: `q-reply2-${leadId}` });
    await expect.poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).score, POLL).toBe(11);
    expect(await stack.db.leadFlag.count({ where: { workflowId, kind: 'qualified' } })).toBe(1);
  });
});

describe('a hard bounce', () => {
  it('suppresses the address and ends the journey that sent', async () => {
    const email = stack.email('bounce');
    bouncing.add(email);
    const signup = await stack.post('/webhooks/signup', { email });
    expect(signup.status).toBe(202);
    const result = await stack.temporal.workflow.getHandle(signup.body.workflowId).result();
    expect(result).toMatchObject({ kind: 'exited', reason: expect.stringContaining('welcome bounced') });
    await expect
      .poll(
        async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId: signup.body.workflowId } })).status,
        POLL,
      )
      .toBe('exited');
    expect(await stack.db.suppression.findUnique({ where: { email } })).toMatchObject({ reason: 'bounced' });
    expect(await sentTemplates(stack, signup.body.workflowId)).toEqual([]);
    expect(stack.inbox.to(email)).toHaveLength(0);
  });
});

describe('tracking when the database fails', () => {
  it('still serves the pixel and the redirect, and records nothing', async () => {
    // The same API, its database unreachable (nothing listens on port 9).
    const config = loadConfig({ ...stackEnv(), DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/none' });
    const deadDb = createDb(config.DATABASE_URL, 1);
    const api = await startApi(config, { db: deadDb, port: 0 });
    try {
      const key = `journey/x/${randomUUID()}#welcome`;
      const pixel = await fetch(`${api.url}/t/o/${sealToken(config.TRACKING_SECRET, { k: 'o', m: key })}`);
      expect(pixel.status).toBe(200);
      expect(pixel.headers.get('content-type')).toBe('image/gif');
      expect((await pixel.arrayBuffer()).byteLength).toBeGreaterThan(0);
      const target = 'https://nurture.example/pricing?plan=pro';
      const click = await fetch(`${api.url}/t/c/${sealToken(config.TRACKING_SECRET, { k: 'c', m: key, u: target })}`, {
        redirect: 'manual',
      });
      expect(click.status).toBe(302);
      expect(click.headers.get('location')).toBe(target);
    } finally {
      await api.stop();
      await deadDb.$disconnect().catch(() => undefined);
    }
  });
});

/** The test stack's settings, as environment variables for a second API. */
function stackEnv(): Record<string, string> {
  const c = stack.config;
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    TEMPORAL_ADDRESS: c.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: c.TEMPORAL_TASK_QUEUE,
    NURTURE_DATA_DIR: c.dataDir,
    TRACKING_SECRET: c.TRACKING_SECRET.join(','),
    ...campaign.env,
  };
}
