// A lead's page in a real browser: a lead enrolled through the signup webhook receives its
// emails over real SMTP; the page lists exactly those emails (the subjects the inbox got),
// links each to its rendered copy, shows engagement and stage changes, and what the journey
// will do next, asked of the running journey.
import fs from 'node:fs';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { campaignsDir, enroll } from './support/journeys.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

const CAMPAIGN = `
id: dash-lead
name: Dashboard lead (test)
scoring:
  points: { open: 2, click: 5 }
stages:
  awareness:
    steps:
      - send: welcome
      - wait: 1s
      - send: first-value
      - waitFor: click
`;

let stack: TestStack;
let browser: TestBrowser;
let page: Page;
let dir: string;
beforeAll(async () => {
  dir = campaignsDir({ lead: CAMPAIGN });
  stack = await startStack({ NURTURE_CAMPAIGNS_DIR: dir });
  browser = await launchBrowser();
  ({ page } = await browser.signedIn(stack.api.url, stack.config.ADMIN_TOKENS[0]!, 'Lena Lookup'));
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('dashboard: lead', () => {
  it('shows the emails the SMTP inbox received, engagement, stage changes and what is next', async () => {
    const { leadId, email } = await enroll(stack, 'dash-lead', { firstName: 'Leonie', company: 'Lumen GmbH' });
    await expect.poll(() => stack.inbox.to(email).length, POLL).toBe(2);
    const received = await Promise.all(stack.inbox.to(email).map(async (m) => (await simpleParser(m.raw)).subject!));
    expect(received[0]).toContain('Leonie');
    // The send is recorded after SMTP accepted it; wait for both records before looking.
    await expect.poll(() => stack.db.sentMessage.count({ where: { leadId, status: 'sent' } }), POLL).toBe(2);
    const welcome = await stack.db.sentMessage.findFirstOrThrow({ where: { leadId, templateId: 'welcome' } });
    await stack.db.engagementEvent.create({
      data: {
        eventId: `dash-lead-open-${leadId}`,
        leadId,
        type: 'open',
        campaignId: 'dash-lead',
        templateId: 'welcome',
        occurredAt: new Date(),
      },
    });

    await page.goto(`/dashboard/leads/${leadId}`);
    expect(await page.locator('h1').textContent()).toContain(email);
    const emails = page.locator('.timeline li[data-kind=email]');
    expect(await emails.count()).toBe(2);
    const shown = await emails.locator('[data-detail]').allTextContents();
    expect([...shown].sort()).toEqual([...received].sort());
    expect(await emails.locator('a').allTextContents()).toEqual(['Sent first-value', 'Sent welcome']);
    expect(await page.locator('.timeline li[data-kind=event]').textContent()).toContain('open');
    expect(await page.locator('.timeline li[data-kind=stage]').textContent()).toContain('start → awareness');
    await expect.poll(() => page.locator('[data-next]').textContent(), POLL).toContain('wait for click');
    expect(await page.locator('svg.spark').getAttribute('aria-label')).toContain('now 2');
    await browser.screenshot(page, 'dashboard-lead');

    // The rendered copy behind the link: this lead's welcome, with the subject that was sent.
    await Promise.all([
      page.waitForURL(new RegExp(`/messages/${welcome.id}$`)),
      emails.locator('a', { hasText: 'Sent welcome' }).click(),
    ]);
    expect(await page.locator('h1').textContent()).toBe(welcome.subject);
    expect(received).toContain(welcome.subject);
    expect(await page.frameLocator('iframe.preview').locator('h1').textContent()).toContain('Leonie');
    await browser.screenshot(page, 'dashboard-lead-message');

    const json = await stack.request('GET', `/dashboard/leads/${leadId}.json`, {
      headers: { authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` },
    });
    expect(json.status).toBe(200);
    expect(json.body.journeys[0].next).toMatchObject({ ok: true, stage: 'awareness' });
    expect(json.body.timeline.filter((t: { kind: string }) => t.kind === 'email')).toHaveLength(2);
  });

  it('answers 404 for an unknown lead, as a page and as JSON', async () => {
    const missing = '00000000-0000-4000-8000-00000000dead';
    const res = await page.goto(`/dashboard/leads/${missing}`);
    expect(res?.status()).toBe(404);
    const json = await stack.request('GET', `/dashboard/leads/${missing}.json`, {
      headers: { authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` },
    });
    expect(json.status).toBe(404);
    expect(json.body.error).toBe('not_found');
  });
});
