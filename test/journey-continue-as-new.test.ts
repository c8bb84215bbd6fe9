// Long journeys stay bounded: with a tiny history limit the journey continues as new several
// times; state, search attributes and engagement arriving around the boundaries survive.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CampaignIdKey, FunnelStageKey } from '../workflows/journey/search-attributes.ts';
import { statusQuery } from '../workflows/journey/types.ts';
import { campaignsDir, engage, enroll, sentTemplates } from './support/journeys.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

const LONG = `
id: t-long
name: Long (test)
scoring:
  points: { open: 1 }
stages:
  awareness:
    steps:
      - send: welcome
      - wait: 1s
      - send: first-value
      - wait: 1s
  interest:
    steps:
      - send: faq
      - wait: 1s
      - send: tutorial
      - waitFor: purchase
`;

let stack: TestStack;
let dir: string;
beforeAll(async () => {
  dir = campaignsDir({ long: LONG });
  stack = await startStack({ NURTURE_CAMPAIGNS_DIR: dir, JOURNEY_HISTORY_LIMIT: '20' });
});
afterAll(async () => {
  await stack?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('continues as new with state, search attributes and every event kept', async () => {
  const { workflowId } = await enroll(stack, 't-long');
  // Engagement keeps arriving while the journey crosses run boundaries.
  for (let i = 0; i < 12; i++) {
    await engage(stack, workflowId, 'open');
    await new Promise((r) => setTimeout(r, 250));
  }
  await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome', 'first-value', 'faq', 'tutorial']);

  const runs: string[] = [];
  for await (const w of stack.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.status.name);
  expect(runs.filter((s) => s === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(2);

  const handle = stack.temporal.workflow.getHandle(workflowId);
  await expect.poll(async () => (await handle.query(statusQuery)).score, POLL).toBe(12);
  const attrs = (await handle.describe()).typedSearchAttributes;
  expect(attrs.get(CampaignIdKey)).toBe('t-long');
  expect(attrs.get(FunnelStageKey)).toBe('interest');
  // Each step's email went out once, whatever run it ran in.
  expect(await stack.db.sentMessage.count({ where: { workflowId } })).toBe(4);
});
