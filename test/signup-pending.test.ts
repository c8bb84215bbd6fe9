// A signup is kept whole or not at all: its enrollment row is `pending` until Temporal accepted
// the journey, a retry completes it, and the reconciler finishes or removes what a crash left.
// Real stack: Temporal dev server, PostgreSQL, SMTP inbox, worker and API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { buildServer } from '../api/server.ts';
import { leadSnapshotOf } from '../core/lead.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';
import { connectClient } from '../infra/client.ts';
import { freePort } from '../infra/dev/ports.ts';
import { loadFunnel } from '../reports/funnel.ts';
import { claimEnrollment, type EnrollmentKey } from '../infra/enrollments.ts';
import { signatureHeader } from '../infra/signature.ts';
import { PENDING_GRACE_MS, reconcilePendingEnrollments } from '../worker/enrollment-reconciler.ts';
import { enrollLead, type TemporalGate } from '../workflows/journey/client.ts';
import { journeyWorkflowId } from '../workflows/journey/types.ts';
import { apiTestEnv, engagementSignals } from './support/api.ts';
import { startStack, type TestStack } from './support/stack.ts';
import type { Client } from '@temporalio/client';

const campaign = apiTestEnv();
let stack: TestStack;
let gate: TemporalGate;
// An API whose Temporal does not answer (nothing listens on its address).
let cutOff: { app: FastifyInstance; url: string; temporal: Client };

beforeAll(async () => {
  stack = await startStack(campaign.env);
  gate = { client: stack.temporal, timeoutMs: 5000 };
  const temporal = await connectClient({ ...stack.config, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` }, { lazy: true });
  const app = await buildServer({
    config: stack.config,
    db: stack.db,
    temporal,
    campaigns: new CampaignRegistry(stack.config.campaignsDir),
    temporalTimeoutMs: 1500,
  });
  cutOff = { app, url: await app.listen({ port: 0, host: '127.0.0.1' }), temporal };
});
afterAll(async () => {
  await cutOff?.app.close();
  await cutOff?.temporal.connection.close();
  await stack?.close();
  campaign.cleanup();
});

async function postCutOff(pathname: string, body: unknown) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${cutOff.url}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'nurture-signature': signatureHeader(stack.config.WEBHOOK_SECRET[0]!, raw) },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as any };
}

const parsedCampaign = () => new CampaignRegistry(stack.config.campaignsDir).get(campaign.id)!;

/** A lead with its enrollment row written as the API writes it before asking Temporal. */
async function pendingEnrollment(label: string): Promise<EnrollmentKey> {
  const lead = await stack.db.lead.create({ data: { email: stack.email(label) } });
  const key = {
    leadId: lead.id,
    campaignId: campaign.id,
    campaignVersion: parsedCampaign().version,
    workflowId: journeyWorkflowId(campaign.id, lead.id),
  };
  await claimEnrollment(stack.db, key);
  return key;
}

/** The journey started as the API starts it, on a task queue no worker polls: it exists but never runs. */
async function startIdleJourney(key: EnrollmentKey): Promise<void> {
  const lead = await stack.db.lead.findUniqueOrThrow({ where: { id: key.leadId } });
  const started = await enrollLead(gate, {
    lead: leadSnapshotOf(lead),
    campaign: parsedCampaign(),
    taskQueue: `idle-${key.leadId}`,
  });
  expect(started.enrolled).toBe(true);
}

/** Time passes: the row is older than the reconciler's grace period. */
async function age(key: EnrollmentKey): Promise<void> {
  await stack.db.enrollment.updateMany({
    where: { workflowId: key.workflowId },
    data: { enrolledAt: new Date(Date.now() - PENDING_GRACE_MS - 60_000) },
  });
}

const enrollmentOf = (key: EnrollmentKey) => stack.db.enrollment.findUnique({ where: { workflowId: key.workflowId } });

describe('a signup while Temporal is unreachable', () => {
  it('answers 503 and keeps no active enrollment; the retry answers 202 and the journey sends the welcome', async () => {
    const email = stack.email('unreachable');
    const refused = await postCutOff('/webhooks/signup', { email, firstName: 'Ada' });
    expect(refused.status).toBe(503);
    const lead = await stack.db.lead.findUniqueOrThrow({ where: { email } });
    // The lead row stays (a retry reaches it); its enrollment is pending, never active.
    expect(await stack.db.enrollment.findMany({ where: { leadId: lead.id }, select: { status: true } })).toEqual([
      { status: 'pending' },
    ]);

    const retry = await stack.post('/webhooks/signup', { email, firstName: 'Ada' });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ leadId: lead.id, enrolled: true, newLead: false });
    expect(await stack.db.enrollment.findMany({ where: { leadId: lead.id }, select: { status: true } })).toEqual([
      { status: 'active' },
    ]);
    const welcome = await stack.inbox.waitFor((m) => m.to.includes(email));
    expect((await simpleParser(welcome.raw)).subject).toMatch(/Ada/);
  });
});

describe('the enrollment reconciler', () => {
  it('removes a pending row whose journey was never started, and leaves the lead', async () => {
    const crashed = await pendingEnrollment('crashed');
    const fresh = await pendingEnrollment('fresh');
    await age(crashed);

    const counts = await reconcilePendingEnrollments({ db: stack.db, temporal: gate });
    expect(counts.removed).toBeGreaterThanOrEqual(1);
    expect(await enrollmentOf(crashed)).toBeNull();
    expect(await stack.db.lead.findUnique({ where: { id: crashed.leadId } })).not.toBeNull();
    // Younger than the grace period: a signup may still be under way.
    expect(await enrollmentOf(fresh)).toMatchObject({ status: 'pending' });
  });

  it('marks a pending row active when its journey exists, and gives it the end of a closed one', async () => {
    const running = await pendingEnrollment('running');
    await startIdleJourney(running);
    const stopped = await pendingEnrollment('stopped');
    await startIdleJourney(stopped);
    await stack.temporal.workflow.getHandle(stopped.workflowId).terminate('test: the journey stopped');
    await age(running);
    await age(stopped);

    const counts = await reconcilePendingEnrollments({ db: stack.db, temporal: gate });
    expect(counts.started).toBeGreaterThanOrEqual(1);
    expect(counts.ended).toBeGreaterThanOrEqual(1);
    expect(await enrollmentOf(running)).toMatchObject({ status: 'active', endedAt: null });
    expect(await enrollmentOf(stopped)).toMatchObject({ status: 'exited', endedAt: expect.any(Date) });
  });

  it('leaves pending rows as they are while Temporal does not answer', async () => {
    const waiting = await pendingEnrollment('temporal-down');
    await age(waiting);
    const counts = await reconcilePendingEnrollments({ db: stack.db, temporal: { client: cutOff.temporal, timeoutMs: 1500 } });
    expect(counts).toMatchObject({ started: 0, ended: 0, removed: 0 });
    expect(counts.left).toBe(counts.checked);
    expect(await enrollmentOf(waiting)).toMatchObject({ status: 'pending' });
    // Temporal answers again: the journey was never started, so the row goes.
    await reconcilePendingEnrollments({ db: stack.db, temporal: gate });
    expect(await enrollmentOf(waiting)).toBeNull();
  });

  it("leaves a pending row to the sender's retry that is under way", async () => {
    const retried = await pendingEnrollment('retried');
    await age(retried);
    // The retry claims the row before it asks Temporal: the row is young again, not judged.
    await claimEnrollment(stack.db, retried);
    await reconcilePendingEnrollments({ db: stack.db, temporal: gate });
    expect(await enrollmentOf(retried)).toMatchObject({ status: 'pending' });
  });
});

describe('events for a pending enrollment', () => {
  it('are signalled to its journey when it exists, not dropped as ended', async () => {
    const key = await pendingEnrollment('pending-events');
    await startIdleJourney(key);
    const eventId = `pending-open-${key.leadId}`;
    const res = await stack.post('/webhooks/events', { type: 'open', leadId: key.leadId, eventId });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ duplicate: false, signalled: 1 });
    expect((await engagementSignals(stack.temporal, key.workflowId)).map((s) => s.eventId)).toEqual([eventId]);
    expect(await enrollmentOf(key)).toMatchObject({ status: 'pending' });
  });
});

describe('the funnel', () => {
  it('counts a pending enrollment as in the funnel now, not as lost', async () => {
    const campaignId = `pending-funnel-${Date.now().toString(36)}`;
    const lead = await stack.db.lead.create({ data: { email: stack.email('pending-funnel') } });
    await claimEnrollment(stack.db, {
      leadId: lead.id,
      campaignId,
      campaignVersion: 'test',
      workflowId: journeyWorkflowId(campaignId, lead.id),
    });
    const campaigns = new CampaignRegistry(stack.config.campaignsDir);
    const report = await loadFunnel(stack.db, campaigns, {
      campaignId,
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 3_600_000),
    });
    expect(report.enrolled).toBe(1);
    expect(report.totals).toEqual({ current: 1, stalled: 0, lost: 0, completed: 0 });
  });
});
