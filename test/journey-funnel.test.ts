// The journey engine on the real stack (Temporal dev server, PostgreSQL, SMTP inbox), with
// second-scale campaigns: advancing through stages, goals, exits, de-duplicated events, and
// a campaign edit that reaches new enrollments only.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunnelStageKey } from '../workflows/journey/search-attributes.ts';
import { statusQuery } from '../workflows/journey/types.ts';
import { campaignsDir, engage, enroll, sentTemplates, stagesOf } from './support/journeys.ts';
import { startStack, type TestStack } from './support/stack.ts';

const ADVANCE = `
id: t-advance
name: Advance (test)
scoring:
  points: { open: 1, click: 3 }
goals:
  - on: purchase
    goto: action
stages:
  awareness:
    steps:
      - send: welcome
      - waitFor: click
        within: 30s
        then:
          - goto: interest
      - exit: ignored the welcome
  interest:
    steps:
      - send: faq
      - wait: 1s
      - send: tutorial
      - waitFor: click
        then:
          - goto: desire
  desire:
    steps:
      - send: testimonial
      - discount: { percent: 15, validFor: 1h }
      - send: discount
      - waitFor: purchase
  action:
    steps:
      - send: onboarding-start
      - wait: 1s
      - send: onboarding-tips
`;

const versioned = (second: string) => `
id: t-versioned
name: Versioned (test)
stages:
  awareness:
    steps:
      - send: welcome
      - waitFor: click
      - send: ${second}
`;

const AGAIN = `
id: t-again
name: Again (test)
allowReenrollment: true
stages:
  awareness:
    steps:
      - send: welcome
`;

let stack: TestStack;
let dir: string;
beforeAll(async () => {
  dir = campaignsDir({ advance: ADVANCE, versioned: versioned('faq'), again: AGAIN });
  stack = await startStack({ NURTURE_CAMPAIGNS_DIR: dir });
});
afterAll(async () => {
  await stack?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('journey engine on the real stack', () => {
  it('advances an engaging lead through the stages, sending each stage content in order', async () => {
    const { workflowId, email } = await enroll(stack, 't-advance');
    await expect.poll(() => sentTemplates(stack, workflowId), { timeout: 15_000 }).toEqual(['welcome']);
    await engage(stack, workflowId, 'click');
    await expect.poll(() => sentTemplates(stack, workflowId), { timeout: 15_000 }).toEqual(['welcome', 'faq', 'tutorial']);
    await engage(stack, workflowId, 'click');
    await expect
      .poll(() => sentTemplates(stack, workflowId), { timeout: 15_000 })
      .toEqual(['welcome', 'faq', 'tutorial', 'testimonial', 'discount']);

    expect(await stagesOf(stack, workflowId)).toEqual(['awareness', 'interest', 'desire']);
    const handle = stack.temporal.workflow.getHandle(workflowId);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(FunnelStageKey)).toBe('desire');
    const status = await handle.query(statusQuery);
    expect(status.stage).toBe('desire');
    expect(status.score).toBe(6);
    expect(status.next?.step).toMatch(/wait for purchase/);
    // The discount email carries the code issued for this lead.
    const code = await stack.db.discountCode.findFirstOrThrow({ where: { lead: { email } } });
    const discountMail = stack.inbox.to(email).at(-1)!;
    expect(discountMail.raw).toContain(code.code);
    await expect.poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).score).toBe(6);
  });

  it('jumps a lead to onboarding on purchase from any stage', async () => {
    const { workflowId } = await enroll(stack, 't-advance');
    await expect.poll(() => sentTemplates(stack, workflowId), { timeout: 15_000 }).toEqual(['welcome']);
    await engage(stack, workflowId, 'purchase');
    await expect
      .poll(() => sentTemplates(stack, workflowId), { timeout: 15_000 })
      .toEqual(['welcome', 'onboarding-start', 'onboarding-tips']);
    expect(await stagesOf(stack, workflowId)).toEqual(['awareness', 'action']);
    const result = await stack.temporal.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ kind: 'completed' });
    expect((await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).status).toBe('completed');
  });

  it('ends the journey on unsubscribe and sends nothing more', async () => {
    const { workflowId, email } = await enroll(stack, 't-advance');
    await expect.poll(() => sentTemplates(stack, workflowId), { timeout: 15_000 }).toEqual(['welcome']);
    await engage(stack, workflowId, 'unsubscribe');
    const result = await stack.temporal.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ kind: 'exited' });
    // A click after the exit changes nothing: the journey is over.
    await new Promise((r) => setTimeout(r, 1500));
    expect(stack.inbox.to(email)).toHaveLength(1);
    expect((await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).status).toBe('exited');
  });

  it('counts a duplicated event id once', async () => {
    const { workflowId } = await enroll(stack, 't-advance');
    await expect.poll(() => sentTemplates(stack, workflowId), { timeout: 15_000 }).toEqual(['welcome']);
    for (let i = 0; i < 3; i++) await engage(stack, workflowId, 'open', { eventId: `dup-${workflowId}` });
    await engage(stack, workflowId, 'open');
    await expect.poll(async () => (await stack.temporal.workflow.getHandle(workflowId).query(statusQuery)).score).toBe(2);
    await expect.poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).score).toBe(2);
  });

  it('keeps a running journey on the campaign version it enrolled with', async () => {
    const first = await enroll(stack, 't-versioned');
    await expect.poll(() => sentTemplates(stack, first.workflowId), { timeout: 15_000 }).toEqual(['welcome']);
    fs.writeFileSync(path.join(dir, 'versioned.yaml'), versioned('tutorial'));
    const second = await enroll(stack, 't-versioned');
    await expect.poll(() => sentTemplates(stack, second.workflowId), { timeout: 15_000 }).toEqual(['welcome']);

    const [a, b] = await Promise.all(
      [first, second].map((j) => stack.db.enrollment.findUniqueOrThrow({ where: { workflowId: j.workflowId } })),
    );
    expect(a!.campaignVersion).not.toBe(b!.campaignVersion);

    await engage(stack, first.workflowId, 'click');
    await engage(stack, second.workflowId, 'click');
    await expect.poll(() => sentTemplates(stack, first.workflowId), { timeout: 15_000 }).toEqual(['welcome', 'faq']);
    await expect.poll(() => sentTemplates(stack, second.workflowId), { timeout: 15_000 }).toEqual(['welcome', 'tutorial']);
  });

  it('re-enrolls a lead whose journey ended only where the campaign allows it', async () => {
    const first = await enroll(stack, 't-again');
    await expect
      .poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId: first.workflowId } })).status, {
        timeout: 15_000,
      })
      .toBe('completed');
    const again = await enroll(stack, 't-again', { email: first.email });
    expect(again.workflowId).toBe(first.workflowId);
    await expect.poll(() => stack.inbox.to(first.email).length, { timeout: 15_000 }).toBe(2);
    await expect
      .poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId: first.workflowId } })).status, {
        timeout: 15_000,
      })
      .toBe('completed');
    expect(await stack.db.sentMessage.count({ where: { workflowId: first.workflowId, status: 'sent' } })).toBe(2);

    // t-advance does not allow it: an ended journey stays ended.
    const once = await enroll(stack, 't-advance');
    await engage(stack, once.workflowId, 'unsubscribe');
    await stack.temporal.workflow.getHandle(once.workflowId).result();
    const res = await stack.post('/webhooks/signup', { email: once.email, campaign: 't-advance' });
    expect(res.body.enrolled).toBe(false);
  });
});
