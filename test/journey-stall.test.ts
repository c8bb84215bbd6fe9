// Stalls, send windows, the frequency cap and replay, on the real stack.
import fs from 'node:fs';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataConverterFor } from '../infra/payload-codec.ts';
import { StalledKey } from '../workflows/journey/search-attributes.ts';
import { statusQuery } from '../workflows/journey/types.ts';
import { campaignsDir, engage, enroll, sentTemplates } from './support/journeys.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

const stalling = (sales: string, id: string, dormantAfter: string) => `
id: ${id}
name: Stall ${id} (test)
stages:
  awareness:
    steps:
      - send: welcome
      - waitFor: click
    stall:
      after: 2s
      notify: { webhook: "${sales}/sales" }
      reengage:
        - send: re-engagement
      dormantAfter: ${dormantAfter}
`;

/** A send window that opens on another weekday than today, so the send must wait. */
function windowed(): { yaml: string; day: string } {
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const day = days[(new Date().getUTCDay() + 2) % 7]!;
  return {
    day,
    yaml: `
id: t-window
name: Window (test)
timezone: UTC
sendWindow:
  days: [${day}]
  hours: { from: "09:00", to: "10:00" }
stages:
  awareness:
    steps:
      - send: welcome
`,
  };
}

const capped = (id: string, template: string) => `
id: ${id}
name: Capped ${id} (test)
frequencyCap: { max: 1, per: 1h }
stages:
  awareness:
    steps:
      - send: ${template}
`;

let stack: TestStack;
let sales: Receiver;
let dir: string;

/** Replays a test's own journeys through the workflow bundle: no non-determinism. */
async function expectReplays(workflowIds: string[]): Promise<void> {
  const histories = async function* () {
    for (const workflowId of workflowIds)
      yield { workflowId, history: await stack.temporal.workflow.getHandle(workflowId).fetchHistory() };
  };
  const results = Worker.runReplayHistories(
    { workflowBundle: stack.workflowBundle, replayName: 'journey-replay', dataConverter: dataConverterFor(stack.config) },
    histories(),
  );
  let replayed = 0;
  for await (const r of results) {
    expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
    replayed++;
  }
  expect(replayed).toBe(workflowIds.length);
}
beforeAll(async () => {
  sales = await startReceiver();
  dir = campaignsDir({
    // Dormant 3 s after the stall: the first test waits for the journey to end that way.
    stall: stalling(sales.url, 't-stall', '3s'),
    // Dormant only after an hour: the lead can still engage once stalled, with no race.
    stallLong: stalling(sales.url, 't-stall-long', '1h'),
    window: windowed().yaml,
    capA: capped('t-cap-a', 'welcome'),
    capB: capped('t-cap-b', 'faq'),
  });
  stack = await startStack({ NURTURE_CAMPAIGNS_DIR: dir });
});
afterAll(async () => {
  await stack?.close();
  await sales?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('stalls, windows and caps on the real stack', () => {
  it('flags a lead who ignores everything as stalled, re-engages, then marks it dormant', async () => {
    const { workflowId, leadId } = await enroll(stack, 't-stall');
    const handle = stack.temporal.workflow.getHandle(workflowId);

    await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome', 're-engagement']);
    const stalled = await stack.db.leadFlag.findFirstOrThrow({ where: { workflowId, kind: 'stalled' } });
    expect(stalled.stage).toBe('awareness');
    const notice = await sales.waitFor((r) => r.body?.lead?.id === leadId);
    expect(notice.body.reason).toMatch(/stalled/);
    expect(notice.body.stage).toBe('awareness');

    const result = await handle.result();
    expect(result).toMatchObject({ kind: 'dormant' });
    const enrollment = await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } });
    expect(enrollment.status).toBe('dormant');
    expect(enrollment.stalled).toBe(true);
    expect((await handle.describe()).typedSearchAttributes.get(StalledKey)).toBe(true);
    expect(await stack.db.leadFlag.count({ where: { workflowId, kind: 'dormant' } })).toBe(1);
    await expectReplays([workflowId]);
  });

  it('finds stalled leads through the search attribute', async () => {
    const { workflowId } = await enroll(stack, 't-stall-long');
    await expect.poll(() => sentTemplates(stack, workflowId), POLL).toContain('re-engagement');
    await expect
      .poll(async () => {
        const found: string[] = [];
        for await (const w of stack.temporal.workflow.list({
          query: `Stalled = true AND CampaignId = 't-stall-long' AND WorkflowId = '${workflowId}'`,
        }))
          found.push(w.workflowId);
        return found;
      }, POLL)
      .toEqual([workflowId]);
    // Engagement clears the stall.
    await engage(stack, workflowId, 'click');
    await expect
      .poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).stalled, POLL)
      .toBe(false);
    await expect
      .poll(
        async () => (await stack.temporal.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(StalledKey),
        POLL,
      )
      .toBe(false);
    await expectReplays([workflowId]);
  });

  it('holds a send outside the send window until the window opens', async () => {
    const { workflowId, email } = await enroll(stack, 't-window');
    const handle = stack.temporal.workflow.getHandle(workflowId);
    await expect.poll(async () => (await handle.query(statusQuery)).next?.waiting, POLL).toBe('window');
    const at = new Date((await handle.query(statusQuery)).next!.at!);
    expect(at.getUTCHours()).toBe(9);
    expect(at.getUTCMinutes()).toBe(0);
    expect(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][at.getUTCDay()]).toBe(windowed().day);
    expect(at.getTime()).toBeGreaterThan(Date.now());
    // The journey sleeps on a timer until then: nothing sent, nothing in the inbox.
    expect(await sentTemplates(stack, workflowId)).toEqual([]);
    expect(stack.inbox.to(email)).toHaveLength(0);
    await expectReplays([workflowId]);
    await handle.terminate('test done');
  });

  it('holds the frequency cap across two campaigns', async () => {
    const email = stack.email('capped');
    const a = await enroll(stack, 't-cap-a', { email });
    await expect.poll(() => sentTemplates(stack, a.workflowId), POLL).toEqual(['welcome']);
    const b = await enroll(stack, 't-cap-b', { email });
    const handle = stack.temporal.workflow.getHandle(b.workflowId);
    await expect.poll(async () => (await handle.query(statusQuery)).next?.waiting, POLL).toBe('capped');
    const retryAt = new Date((await handle.query(statusQuery)).next!.at!).getTime();
    expect(retryAt).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(stack.inbox.to(email)).toHaveLength(1);
    await expectReplays([a.workflowId, b.workflowId]);
    await handle.terminate('test done');
  });
});
