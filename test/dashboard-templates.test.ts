// The template gallery and the campaign page in a real browser. The stack runs on a copy of
// the templates; once it is up, a broken email is added to the copy (the worker would refuse
// to start with it): the gallery must still render every good template for an edited sample
// lead, HTML and text side by side, and show the broken one's lint error in its place.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { emailFile } from './support/templates.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

let stack: TestStack;
let browser: TestBrowser;
let page: Page;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-dash-templates-'));
  fs.cpSync(path.resolve('templates'), dir, { recursive: true });
  stack = await startStack({ NURTURE_TEMPLATES_DIR: dir });
  // Line 7 of the file is the body's first line (emailFile's front matter takes lines 1-6).
  fs.writeFileSync(path.join(dir, 'emails', 'broken.hbs'), emailFile(['<p>Hi {{lead.fristName}}, welcome.</p>']));
  browser = await launchBrowser();
  ({ page } = await browser.signedIn(stack.api.url, stack.config.ADMIN_TOKENS[0]!, 'Tess Templates'));
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('dashboard: templates', () => {
  it('renders every template for an edited sample lead and shows a lint error in place', async () => {
    await page.goto('/dashboard/templates');
    const broken = page.locator('article[data-template=broken]');
    const problem = await broken.locator('.problems').textContent();
    expect(problem).toMatch(/emails\/broken\.hbs:7:\d+ .*lead\.fristName/);
    expect(problem).toContain('firstName');
    expect(await broken.locator('iframe').count()).toBe(0);

    const welcome = page.locator('article[data-template=welcome]');
    expect(await welcome.locator('[data-subject]').textContent()).toBe('Welcome to Nurture, Ada');
    expect(await page.locator('article.template iframe.preview').count()).toBe(
      (await page.locator('article.template').count()) - 1,
    );

    const lead = { email: 'grace@example.com', firstName: 'Grace', company: 'Hopper Systems' };
    await page.fill('textarea[name=lead]', JSON.stringify(lead));
    await Promise.all([page.waitForURL(/lead=/), page.click('button:has-text("Render")')]);
    expect(await welcome.locator('[data-subject]').textContent()).toBe('Welcome to Nurture, Grace');
    expect(await welcome.frameLocator('iframe.preview').locator('h1').textContent()).toContain('Grace');
    expect(await welcome.frameLocator('iframe.preview').locator('body').textContent()).toContain('Hopper Systems');
    expect(await welcome.locator('pre[data-text]').textContent()).toContain('Welcome aboard, Grace!');
    // Still broken after a re-render, still in place.
    expect(await broken.locator('.problems').textContent()).toContain('fristName');
    await browser.screenshot(page, 'dashboard-templates');

    await page.fill('textarea[name=lead]', '{"firstName": "NoEmail"}');
    await page.click('button:has-text("Render")');
    await expect.poll(() => page.locator('form [role=alert]').textContent(), POLL).toContain('email');

    const json = await stack.request('GET', '/dashboard/templates.json', {
      headers: { authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` },
    });
    const byId = new Map(json.body.templates.map((t: { id: string }) => [t.id, t]));
    expect((byId.get('broken') as { problems: unknown[] }).problems.length).toBeGreaterThan(0);
    expect((byId.get('welcome') as { preview: { subject: string } }).preview.subject).toBe('Welcome to Nurture, Ada');
  });

  it('filters the gallery by kind and stage', async () => {
    // What each template is, by its own front matter (kind and stages), from the JSON view.
    const json = await stack.request('GET', '/dashboard/templates.json', {
      headers: { authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` },
    });
    const all = json.body.templates as Array<{ id: string; kind: string | null; stages: string[] }>;
    for (const [kind, stage] of [
      ['onboarding', 'delight'],
      ['welcome', 'awareness'],
    ] as const) {
      const expected = all.filter((t) => t.kind === kind && t.stages.includes(stage)).map((t) => t.id);
      expect(expected.length).toBeGreaterThan(0);
      await page.goto(`/dashboard/templates?kind=${kind}&stage=${stage}`);
      const ids = await page.locator('article.template').evaluateAll((els) => els.map((e) => e.getAttribute('data-template')));
      expect(ids.sort(), `${kind}/${stage}`).toEqual([...expected].sort());
      expect(await page.locator('h2').allTextContents()).toEqual([kind]);
      for (const id of ids) expect(await page.locator(`article[data-template="${id}"] .tag`).allTextContents()).toContain(stage);
    }
    // Each filter narrows: a template of the kind in another stage, one of the stage of another kind.
    const onboardingDelight = all.filter((t) => t.kind === 'onboarding' && t.stages.includes('delight')).map((t) => t.id);
    expect(onboardingDelight).not.toContain('onboarding-start');
    expect(onboardingDelight).not.toContain('referral');
  });
});

describe('dashboard: campaign', () => {
  it('draws the stages as a flow and runs the simulator for a sample lead and event script', async () => {
    await page.goto('/dashboard/campaigns/example');
    expect(await page.locator('.flow section.stage').evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')))).toEqual([
      'awareness',
      'interest',
      'desire',
      'action',
      'delight',
    ]);
    expect(await page.locator('.flow section[data-stage=awareness]').textContent()).toContain('send welcome');
    expect(await page.locator('table.timeline-table tr[data-kind=send]').first().textContent()).toContain('welcome');

    // A purchase on day 2 is a goal: the simulated lead goes straight to onboarding.
    await page.fill('textarea[name=events]', JSON.stringify([{ at: '+2d', type: 'purchase' }]));
    await Promise.all([page.waitForURL(/events=/), page.click('button:has-text("Simulate")')]);
    const stages = await page.locator('table.timeline-table tr[data-kind=stage]').allTextContents();
    expect(stages.some((s) => s.includes('-> action'))).toBe(true);
    expect(await page.locator('table.timeline-table').textContent()).toContain('onboarding-start');
    await browser.screenshot(page, 'dashboard-campaign');

    await page.fill('textarea[name=events]', '[{"at": "whenever", "type": "click"}]');
    await page.click('button:has-text("Simulate")');
    await expect.poll(() => page.locator('[role=alert]').textContent(), POLL).toContain('whenever');
  });
});
