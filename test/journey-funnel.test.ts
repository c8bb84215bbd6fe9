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
import { POLL } from './support/timing.ts';

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
    await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome']);
    await engage(stack, workflowId, 'click');
    await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome', 'faq', 'tutorial']);
    await engage(stack, workflowId, 'click');
    await expect
      .poll(() => sentTemplates(stack, workflowId), POLL)
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
    await expect.poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).score, POLL).toBe(6);
  });

  it.each([
    { stage: 'awareness', clicks: 0, before: ['welcome'] },
    { stage: 'interest', clicks: 1, before: ['welcome', 'faq', 'tutorial'] },
    { stage: 'desire', clicks: 2, before: ['welcome', 'faq', 'tutorial', 'testimonial', 'discount'] },
  ])('jumps a lead to onboarding on purchase from any stage: $stage', async ({ stage, clicks, before }) => {
    const { workflowId } = await enroll(stack, 't-advance');
    await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome']);
    for (let i = 0; i < clicks; i++) {
      await engage(stack, workflowId, 'click');
      await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(before.slice(0, i === 0 ? 3 : 5));
    }
    expect((await stack.temporal.workflow.getHandle(workflowId).query(statusQuery)).stage).toBe(stage);
    await engage(stack, workflowId, 'purchase');
    await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual([...before, 'onboarding-start', 'onboarding-tips']);
    expect((await stagesOf(stack, workflowId)).slice(-2)).toEqual([stage, 'action']);
    const result = await stack.temporal.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ kind: 'completed' });
    expect((await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).status).toBe('completed');
  });

  it('ends the journey on unsubscribe and sends nothing more', async () => {
    const { workflowId, email } = await enroll(stack, 't-advance');
    await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome']);
    await engage(stack, workflowId, 'unsubscribe');
    const result = await stack.temporal.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ kind: 'exited' });
    // A click after the exit changes nothing: the journey is over, so the event reaches no
    // journey, nothing more is sent and the enrollment stays exited with its score.
    const click = await stack.post('/webhooks/events', { type: 'click', email, eventId: `late-click-${workflowId}` });
    expect(click.status).toBe(202);
    expect(click.body.signalled).toBe(0);
    await expect.poll(() => stack.db.engagementEvent.count({ where: { eventId: `late-click-${workflowId}` } }), POLL).toBe(1);
    expect(stack.inbox.to(email)).toHaveLength(1);
    expect(await sentTemplates(stack, workflowId)).toEqual(['welcome']);
    const enrollment = await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } });
    expect(enrollment.status).toBe('exited');
    expect(enrollment.score).toBe(0);
    expect((await stack.temporal.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');
  });

  it('counts a duplicated event id once', async () => {
    const { workflowId } = await enroll(stack, 't-advance');
    await expect.poll(() => sentTemplates(stack, workflowId), POLL).toEqual(['welcome']);
    for (let i = 0; i < 3; i++) await engage(stack, workflowId, 'open', { eventId: `dup-${workflowId}` });
    await engage(stack, workflowId, 'open');
    await expect.poll(async () => (await stack.temporal.workflow.getHandle(workflowId).query(statusQuery)).score, POLL).toBe(2);
    await expect.poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).score, POLL).toBe(2);
  });

  it('keeps a running journey on the campaign version it enrolled with', async () => {
    const first = await enroll(stack, 't-versioned');
    await expect.poll(() => sentTemplates(stack, first.workflowId), POLL).toEqual(['welcome']);
    fs.writeFileSync(path.join(dir, 'versioned.yaml'), versioned('tutorial'));
    const second = await enroll(stack, 't-versioned');
    await expect.poll(() => sentTemplates(stack, second.workflowId), POLL).toEqual(['welcome']);

    const [a, b] = await Promise.all(
      [first, second].map((j) => stack.db.enrollment.findUniqueOrThrow({ where: { workflowId: j.workflowId } })),
    );
    expect(a!.campaignVersion).not.toBe(b!.campaignVersion);

    await engage(stack, first.workflowId, 'click');
    await engage(stack, second.workflowId, 'click');
    await expect.poll(() => sentTemplates(stack, first.workflowId), POLL).toEqual(['welcome', 'faq']);
    await expect.poll(() => sentTemplates(stack, second.workflowId), POLL).toEqual(['welcome', 'tutorial']);
  });

  it('re-enrolls a lead whose journey ended only where the campaign allows it', async () => {
    const first = await enroll(stack, 't-again');
    await expect
      .poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId: first.workflowId } })).status, POLL)
      .toBe('completed');
    const again = await enroll(stack, 't-again', { email: first.email });
    expect(again.workflowId).toBe(first.workflowId);
    await expect.poll(() => stack.inbox.to(first.email).length, POLL).toBe(2);
    await expect
      .poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId: first.workflowId } })).status, POLL)
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
