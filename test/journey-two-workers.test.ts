// Scale-out on one task queue: two worker processes share a batch of journeys, one is
// SIGKILLed while the journeys it holds in its cache are waiting, and the other finishes all of
// them, each step's email going out exactly once.
// The workers are child processes (bench/worker.ts, the production startWorker path) so that
// one can die the hard way; the API and the SMTP inbox run in this process.
// The kill falls while the journeys wait, not inside a send: a send cut off mid-flight is
// retried only after the activity's start-to-close timeout and the claim's lease, minutes
// that do not belong in the test suite. `npm run chaos` kills workers inside sends.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { simpleParser } from 'mailparser';
import { WorkerChild } from '../bench/child.ts';
import { BUNDLE_ENV } from '../bench/protocol.ts';
import { campaignsDir, enroll, sentTemplates } from './support/journeys.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

const CAMPAIGN = `
id: t-two-workers
name: Two workers (test)
stages:
  awareness:
    steps:
      - send: welcome
      - wait: 10s
      - send: first-value
`;
const JOURNEYS = 12;

let stack: TestStack;
const workers: WorkerChild[] = [];
beforeAll(async () => {
  const env = { NURTURE_CAMPAIGNS_DIR: campaignsDir({ 't-two-workers': CAMPAIGN }), DEFAULT_CAMPAIGN: 't-two-workers' };
  stack = await startStack(env);
  // The stack's own in-process worker would share the queue: only the two children may poll it.
  await stack.worker.stop();
  const childEnv = {
    ...process.env,
    ...env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    NURTURE_DATA_DIR: stack.config.dataDir,
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
    SMTP_URL: stack.inbox.url,
    [BUNDLE_ENV]: inject('workflowBundlePath'),
  };
  workers.push(...(await Promise.all([0, 1].map(() => WorkerChild.spawn(childEnv, () => {})))));
}, 180_000);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await stack?.close();
});

describe('two workers on one task queue', () => {
  it("finishes a killed worker's journeys on the other, each email once", async () => {
    const leads = await Promise.all(Array.from({ length: JOURNEYS }, () => enroll(stack, 't-two-workers')));

    // Every welcome is recorded and no activity is in flight anywhere: the journeys all wait.
    await expect
      .poll(async () => {
        const sent = await stack.db.sentMessage.count({ where: { campaignId: 't-two-workers', status: 'sent' } });
        const pending = await Promise.all(
          leads.map(
            async (l) => (await stack.temporal.workflow.getHandle(l.workflowId).describe()).raw.pendingActivities?.length ?? 0,
          ),
        );
        return { sent, pending: pending.reduce((a, b) => a + b, 0) };
      }, POLL)
      .toEqual({ sent: JOURNEYS, pending: 0 });

    // The victim is the worker whose cache holds journeys: their next workflow task was bound
    // to it (sticky), so Temporal must notice it is gone and hand them to the other.
    const statuses = await Promise.all(workers.map((w) => w.status()));
    const victimIndex = statuses[0]!.cachedWorkflows >= statuses[1]!.cachedWorkflows ? 0 : 1;
    const victim = workers[victimIndex]!;
    const survivor = workers[1 - victimIndex]!;
    expect(statuses[victimIndex]!.cachedWorkflows).toBeGreaterThan(0);
    expect(statuses[victimIndex]!.inFlightActivities).toBe(0);
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));

    await expect
      .poll(
        async () =>
          (
            await Promise.all(
              leads.map(async (l) => (await stack.temporal.workflow.getHandle(l.workflowId).describe()).status.name),
            )
          ).filter((s) => s !== 'COMPLETED'),
        { ...POLL, timeout: 60_000 },
      )
      .toEqual([]);

    // Journeys the victim had worked on were finished by the survivor.
    const victimId = `${victim.pid}@${os.hostname()}`;
    const survivorId = `${survivor.pid}@${os.hostname()}`;
    let handedOver = 0;
    for (const l of leads) {
      const identities = (await stack.temporal.workflow.getHandle(l.workflowId).fetchHistory()).events!.flatMap(
        (e) => e.workflowTaskCompletedEventAttributes?.identity ?? [],
      );
      expect(identities.every((id) => id === victimId || id === survivorId)).toBe(true);
      if (identities.includes(victimId)) {
        expect(identities.at(-1)).toBe(survivorId);
        handedOver++;
      }
    }
    expect(handedOver).toBeGreaterThan(0);

    // Each step's email exactly once: one sent row per step, one message per step in the inbox.
    for (const l of leads) {
      expect(await sentTemplates(stack, l.workflowId)).toEqual(['welcome', 'first-value']);
      const rows = await stack.db.sentMessage.findMany({ where: { workflowId: l.workflowId } });
      expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
      const received = await Promise.all(stack.inbox.to(l.email).map((m) => simpleParser(m.raw)));
      expect(received.map((m) => m.messageId).sort()).toEqual(rows.map((r) => r.messageId).sort());
    }
  }, 150_000);
});
