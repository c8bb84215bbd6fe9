// History stays bounded while a journey waits: a lead who engages 2,000 times during one long
// waitFor makes the journey continue as new in the middle of that wait (not only between
// steps), and the new runs resume the same wait with the score, the deadline and every event.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { statusQuery } from '../workflows/journey/types.ts';
import { campaignsDir, engage, enroll, sentTemplates } from './support/journeys.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

const HISTORY_LIMIT = 400;
const SIGNALS = 2000;
const BURST = 100;

const WAITING = `
id: t-waiting
name: Waiting (test)
scoring:
  points: { open: 1 }
stages:
  awareness:
    steps:
      - send: welcome
      - waitFor: purchase
        within: 1h
        then:
          - send: faq
        otherwise:
          - send: tutorial
`;

let stack: TestStack;
let dir: string;
beforeAll(async () => {
  dir = campaignsDir({ waiting: WAITING });
  stack = await startStack({ NURTURE_CAMPAIGNS_DIR: dir, JOURNEY_HISTORY_LIMIT: String(HISTORY_LIMIT) });
});
afterAll(async () => {
  await stack?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it(`continues as new while it waits, through ${SIGNALS} signals, keeping the wait and the score`, async () => {
  const { workflowId } = await enroll(stack, 't-waiting');
  await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome']);

  // In bursts, each heard before the next: a run cannot close while signals keep arriving
  // (Temporal refuses to complete a run with signals it has not handled), so an unbroken flood
  // would keep one run open on a server slower than the dev server, whatever the limit.
  const handle = stack.temporal.workflow.getHandle(workflowId);
  let next = 0;
  for (let burst = BURST; burst <= SIGNALS; burst += BURST) {
    const signaller = async () => {
      while (next < burst) {
        next += 1;
        await engage(stack, workflowId, 'open');
      }
    };
    await Promise.all(Array.from({ length: 16 }, signaller));
    await expect.poll(async () => (await handle.query(statusQuery)).score, { ...POLL, timeout: 60_000 }).toBe(burst);
  }
  // Still in the same wait: the purchase takes the `then` branch of the step it started in.
  await engage(stack, workflowId, 'purchase');
  await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome', 'faq']);

  // The chain of runs, newest first, from the histories themselves (visibility may lag).
  const runs: number[] = [];
  let runId: string | undefined = (await handle.describe()).runId;
  while (runId) {
    const history: { events?: History['events'] } = await stack.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    runs.push(events.length);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
  }
  // Nothing but the wait was going on: every run but the last began and ended inside it.
  expect(runs.length).toBeGreaterThanOrEqual(4);
  // Bounded: a run ends once its history passes the limit, give or take the signals of one
  // workflow task (without the bound the one run would hold well over 2 × SIGNALS events).
  for (const length of runs) expect(length).toBeLessThan(2 * HISTORY_LIMIT);
  expect(await stack.db.sentMessage.count({ where: { workflowId } })).toBe(2);
});
