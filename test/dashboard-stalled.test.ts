// Stalled leads in a real browser with a real journey: a lead enrolled through the signup
// webhook ignores its welcome email until the campaign's stall rule flags it; the stalled
// list shows it with what the journey will do next; "Notify sales" notifies again (recorded
// with who asked) and "Move on" signals the journey, which moves the lead to the next stage
// in Temporal and in PostgreSQL, recorded with who did it.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { statusQuery } from '../workflows/journey/types.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { campaignsDir, enroll } from './support/journeys.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

const SALES = 'sales-desk@example.com';
const stalling = (id: string) => `
id: ${id}
name: Dashboard stall ${id} (test)
stages:
  awareness:
    steps:
      - send: welcome
      - waitFor: click
    stall:
      after: 2s
      notify: { email: ${SALES} }
      dormantAfter: 10m
  interest:
    steps:
      - send: faq
      - waitFor: click
`;
const ACTOR = 'Sam Sales';

let stack: TestStack;
let browser: TestBrowser;
let page: Page;
let dir: string;
beforeAll(async () => {
  // One campaign per test: the stalled counts of one test do not depend on the other's leads.
  dir = campaignsDir({ stall: stalling('dash-stall'), json: stalling('dash-stall-json') });
  stack = await startStack({ NURTURE_CAMPAIGNS_DIR: dir });
  browser = await launchBrowser();
  ({ page } = await browser.signedIn(stack.api.url, stack.config.ADMIN_TOKENS[0]!, ACTOR));
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('dashboard: stalled leads', () => {
  it('lists a stalled lead, notifies sales again and moves it on in the journey and the database', async () => {
    const { leadId, workflowId, email } = await enroll(stack, 'dash-stall', { firstName: 'Stella' });
    await expect
      .poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).stalled, POLL)
      .toBe(true);

    await page.goto('/dashboard/stalled?campaign=dash-stall');
    const row = page.locator(`tr[data-lead="${leadId}"]`);
    expect(await row.locator('td').nth(1).textContent()).toContain('awareness');
    expect(await row.textContent()).toContain('Stella');
    // What next, asked of the journey itself (its 'status' query), filled in after load.
    await expect.poll(() => row.locator('[data-next]').textContent(), POLL).toContain('wait for click');
    expect(await page.locator('[data-stalled-stage=awareness] b').textContent()).toBe('1');
    await browser.screenshot(page, 'dashboard-stalled');

    // Notify sales again: a second notification, this one naming who asked.
    await Promise.all([page.waitForURL(/done=/), row.locator('button:has-text("Notify sales")').click()]);
    expect(await page.locator('.flash').textContent()).toContain('Sales notified');
    const notifications = await stack.db.salesNotification.findMany({ where: { leadId }, orderBy: { createdAt: 'asc' } });
    expect(notifications).toHaveLength(2);
    expect(notifications[1]!.reason).toContain(ACTOR);
    expect(notifications[1]!.status).toBe('delivered');
    await stack.inbox.waitFor((m) => m.to.includes(SALES) && m.raw.includes(ACTOR));

    // Move on: the journey applies it and records it.
    const row2 = page.locator(`tr[data-lead="${leadId}"]`);
    expect(await row2.locator('select[name=to]').inputValue()).toBe('interest');
    await Promise.all([page.waitForURL(/done=/), row2.locator('button:has-text("Move on")').click()]);
    expect(await page.locator('.flash').textContent()).toContain('move');

    await expect
      .poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).stage, POLL)
      .toBe('interest');
    const change = await stack.db.stageChange.findFirstOrThrow({ where: { workflowId, toStage: 'interest' } });
    expect(change.fromStage).toBe('awareness');
    expect(change.actor).toContain(ACTOR);
    const enrollment = await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } });
    expect(enrollment.stalled).toBe(false);
    expect((await stack.db.lead.findUniqueOrThrow({ where: { id: leadId } })).stage).toBe('interest');
    const status = await stack.temporal.workflow.getHandle(workflowId).query(statusQuery);
    expect(status.stage).toBe('interest');
    // The journey carries on from the new stage: its first email arrives.
    await expect
      .poll(() => stack.db.sentMessage.count({ where: { workflowId, templateId: 'faq', status: 'sent' } }), POLL)
      .toBe(1);
    await stack.inbox.waitFor((m) => m.to.includes(email) && /faq|question/i.test(m.raw));

    await page.goto('/dashboard/stalled?campaign=dash-stall');
    expect(await page.locator(`tr[data-lead="${leadId}"]`).count()).toBe(0);
    await page.goto(`/dashboard/leads/${leadId}`);
    expect(await page.locator('.timeline li[data-kind=stage]').first().textContent()).toContain(`awareness → interest`);
    expect(await page.locator('.timeline li[data-kind=stage]').first().textContent()).toContain(ACTOR);
    await browser.screenshot(page, 'dashboard-lead-after-move');
  });

  it('answers JSON callers with the stalled leads and what their journeys do next, and refuses a stage the campaign does not have', async () => {
    const { leadId, workflowId } = await enroll(stack, 'dash-stall-json', { firstName: 'Jay' });
    const auth = {
      authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}`,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    const bad = await stack.request('POST', `/dashboard/leads/${leadId}/campaigns/dash-stall-json/move`, {
      headers: auth,
      body: JSON.stringify({ to: 'nowhere' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('no stage "nowhere"');
    const unauth = await stack.request('POST', `/dashboard/leads/${leadId}/campaigns/dash-stall-json/move`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'interest' }),
    });
    expect(unauth.status).toBe(401);

    await expect
      .poll(async () => (await stack.db.enrollment.findUniqueOrThrow({ where: { workflowId } })).stalled, POLL)
      .toBe(true);
    const list = await stack.request('GET', '/dashboard/stalled.json?campaign=dash-stall-json&live=1', { headers: auth });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.body.counts).toEqual([expect.objectContaining({ stage: 'awareness', stalled: 1 })]);
    expect(list.body.leads).toEqual([
      expect.objectContaining({
        leadId,
        workflowId,
        firstName: 'Jay',
        campaignId: 'dash-stall-json',
        stage: 'awareness',
        moveTo: 'interest',
        live: expect.objectContaining({
          ok: true,
          stage: 'awareness',
          next: expect.objectContaining({ step: expect.stringContaining('wait for click') }),
        }),
      }),
    ]);
  });
});
