// The funnel and engagement pages in a real browser, against the running stack, for a
// known seed written straight into PostgreSQL: the counts, rates, drop-off, medians and
// stalls on screen must be the ones computed by hand below. Also: the same numbers from
// GET /api/funnel and `nurture report funnel`, and the dashboard's sign-in.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { formatFunnelTable } from '../cli/report.ts';
import { loadFunnel, funnelQueryFrom } from '../reports/funnel.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { nurture } from './support/cli.ts';
import { POLL } from './support/timing.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const tag = crypto.randomBytes(3).toString('hex');
const CAMPAIGN = `dash-funnel-${tag}`;

let stack: TestStack;
let browser: TestBrowser;
let page: Page;
const now = Date.now();
const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const FROM = day(now - 7 * DAY);
const TO = day(now);

/**
 * Ten leads enrolled two days ago (hours after enrollment in brackets):
 *   4 awareness only (2 stalled, 1 dormant)
 *   3 awareness -> interest (1h)             (1 stalled)
 *   1 awareness -> interest (1h) -> desire (3h)
 *   1 awareness -> interest (1h) -> desire (5h)
 *   1 awareness -> action (6h), a goal that skips interest and desire
 * and one more enrolled ten days ago, outside the period.
 * Reached: awareness 10, interest 6, desire 3, action 1 -> 60%, 50%, 33.3%.
 * Completed stays: awareness 1h x5 and 6h x1 -> median 1h; interest 2h and 4h -> median 3h.
 */
type Plan = { stages: Array<[string, number]>; stalled?: boolean; status?: string };
const PLANS: Plan[] = [
  { stages: [['awareness', 0]], stalled: true },
  { stages: [['awareness', 0]], stalled: true },
  { stages: [['awareness', 0]], status: 'dormant' },
  { stages: [['awareness', 0]] },
  {
    stages: [
      ['awareness', 0],
      ['interest', 1],
    ],
    stalled: true,
  },
  {
    stages: [
      ['awareness', 0],
      ['interest', 1],
    ],
  },
  {
    stages: [
      ['awareness', 0],
      ['interest', 1],
    ],
  },
  {
    stages: [
      ['awareness', 0],
      ['interest', 1],
      ['desire', 3],
    ],
  },
  {
    stages: [
      ['awareness', 0],
      ['interest', 1],
      ['desire', 5],
    ],
  },
  {
    stages: [
      ['awareness', 0],
      ['action', 6],
    ],
  },
];

async function seedLead(i: number, plan: Plan, enrolledAt: number, campaign = CAMPAIGN) {
  const lead = await stack.db.lead.create({ data: { email: stack.email(`funnel${i}`), firstName: `Funnel${i}` } });
  const workflowId = `journey/${campaign}/${lead.id}`;
  const last = plan.stages[plan.stages.length - 1]!;
  await stack.db.enrollment.create({
    data: {
      leadId: lead.id,
      campaignId: campaign,
      campaignVersion: 'test',
      workflowId,
      stage: last[0],
      stalled: plan.stalled ?? false,
      status: plan.status ?? 'active',
      enrolledAt: new Date(enrolledAt),
      stageEnteredAt: new Date(enrolledAt + last[1] * HOUR),
    },
  });
  await stack.db.stageChange.createMany({
    data: plan.stages.map(([stage, h], k) => ({
      idempotencyKey: `${workflowId}#seed-${k}`,
      leadId: lead.id,
      campaignId: campaign,
      workflowId,
      fromStage: k ? plan.stages[k - 1]![0] : null,
      toStage: stage,
      reason: 'seed',
      occurredAt: new Date(enrolledAt + h * HOUR),
    })),
  });
  return { lead, workflowId };
}

async function seedEngagement() {
  // welcome went to four leads: two opened (one of them twice), one clicked, one unsubscribed.
  const leads = await stack.db.lead.findMany({
    where: { enrollments: { some: { campaignId: CAMPAIGN } } },
    take: 4,
    orderBy: { email: 'asc' },
  });
  const sentAt = new Date(now - DAY);
  for (const [i, l] of leads.entries()) {
    await stack.db.sentMessage.create({
      data: {
        idempotencyKey: `eng-${tag}-${i}`,
        leadId: l.id,
        workflowId: `journey/${CAMPAIGN}/${l.id}`,
        stepKey: 'welcome',
        campaignId: CAMPAIGN,
        templateId: 'welcome',
        stage: 'awareness',
        toAddress: l.email,
        subject: 'Welcome',
        messageId: `<m${i}-${tag}@test>`,
        status: 'sent',
        claimedAt: sentAt,
        sentAt,
      },
    });
  }
  const events: Array<[number, string]> = [
    [0, 'open'],
    [0, 'open'],
    [1, 'open'],
    [1, 'click'],
    [2, 'unsubscribe'],
  ];
  await stack.db.engagementEvent.createMany({
    data: events.map(([i, type], k) => ({
      eventId: `eng-${tag}-${k}`,
      leadId: leads[i]!.id,
      type,
      campaignId: CAMPAIGN,
      templateId: 'welcome',
      occurredAt: new Date(now - 20 * HOUR),
    })),
  });
}

beforeAll(async () => {
  stack = await startStack();
  const enrolled = now - 2 * DAY;
  for (const [i, plan] of PLANS.entries()) await seedLead(i, plan, enrolled + i * 60_000);
  await seedLead(
    99,
    {
      stages: [
        ['awareness', 0],
        ['interest', 1],
      ],
    },
    now - 10 * DAY,
  );
  await seedEngagement();
  browser = await launchBrowser();
  ({ page } = await browser.signedIn(stack.api.url, stack.config.ADMIN_TOKENS[0]!, 'Funnel Tester'));
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const cell = (stage: string, col: string) => page.locator(`table.funnel-table tr[data-stage="${stage}"] td[data-col="${col}"]`);

describe('dashboard: funnel', () => {
  it('draws the funnel with the counts, rates, drop-off, medians and stalls of the seed', async () => {
    // How fast the page loads is measured by the benchmarks (bench/), not asserted here.
    await page.goto(`/dashboard/funnel?campaign=${CAMPAIGN}&from=${FROM}&to=${TO}`);

    const bars = page.locator('.funnel .row[data-stage]');
    expect(
      await bars.evaluateAll((els) => els.map((e) => [e.getAttribute('data-stage'), e.getAttribute('data-reached')])),
    ).toEqual([
      ['awareness', '10'],
      ['interest', '6'],
      ['desire', '3'],
      ['action', '1'],
    ]);
    // Bars are drawn to scale: interest is 60% as wide as awareness.
    const widths = await page.locator('.funnel .bar').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(widths[1]! / widths[0]!).toBeCloseTo(0.6, 1);

    await expect.poll(() => page.locator('[data-kpi=enrolled] b').textContent(), POLL).toBe('10');
    expect(await page.locator('[data-conversion=awareness]').textContent()).toContain('60.0% move on · 4 drop off');

    const col = async (name: string) =>
      Promise.all(['awareness', 'interest', 'desire', 'action'].map((s) => cell(s, name).textContent()));
    expect(await col('reached')).toEqual(['10', '6', '3', '1']);
    expect(await col('entered')).toEqual(['10', '5', '2', '1']);
    expect(await col('conversion')).toEqual(['60.0%', '50.0%', '33.3%', '–']);
    expect(await col('dropoff')).toEqual(['4 (40.0%)', '3 (50.0%)', '2 (66.7%)', '–']);
    expect(await col('median')).toEqual(['1h', '3h', '–', '–']);
    expect(await col('stalled')).toEqual(['2', '1', '0', '0']);
    expect(await col('lost')).toEqual(['1', '0', '0', '0']);
    expect(await col('current')).toEqual(['3', '3', '2', '1']);

    await browser.screenshot(page, 'dashboard-funnel');
    const phone = await browser.browser.newPage({
      viewport: { width: 390, height: 844 },
      storageState: await page.context().storageState(),
    });
    await phone.goto(`${stack.api.url}/dashboard/funnel?campaign=${CAMPAIGN}&from=${FROM}&to=${TO}`);
    // Readable on a phone: the page itself does not scroll sideways (only the table's box does).
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await browser.screenshot(phone, 'dashboard-funnel-phone');
    await phone.close();
  });

  it('serves the same numbers as JSON, to the CLI report, and only with a token', async () => {
    const api = await stack.request('GET', `/api/funnel?campaign=${CAMPAIGN}&from=${FROM}&to=${TO}`, {
      headers: { authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` },
    });
    expect(api.status).toBe(200);
    expect(api.body.enrolled).toBe(10);
    expect(api.body.stages.map((s: { reached: number }) => s.reached)).toEqual([10, 6, 3, 1]);
    expect(api.body.stages[1].medianSecondsInStage).toBe(3 * 3600);

    const json = await stack.request('GET', `/dashboard/funnel.json?campaign=${CAMPAIGN}&from=${FROM}&to=${TO}`, {
      headers: { authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` },
    });
    expect(json.body).toEqual(api.body);

    expect((await stack.get(`/api/funnel?campaign=${CAMPAIGN}`)).status).toBe(401);
    expect((await stack.get('/dashboard/funnel')).status).toBe(303);
    const bad = await stack.request('GET', `/api/funnel?campaign=${CAMPAIGN}&from=yesterday`, {
      headers: { authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].field).toBe('from');

    const report = await loadFunnel(
      stack.db,
      new CampaignRegistry(stack.config.campaignsDir),
      funnelQueryFrom({ campaign: CAMPAIGN, from: FROM, to: TO }, 'x'),
    );
    const table = formatFunnelTable(report);
    expect(table).toMatch(/^awareness\s+10\s+10\s+100\.0%\s+60\.0%\s+4 \(40\.0%\)\s+1h\s+3\s+2\s+1$/m);
    expect(table).toMatch(/^interest\s+6\s+5\s+60\.0%\s+50\.0%\s+3 \(50\.0%\)\s+3h\s+3\s+1\s+0$/m);

    // The same table from `nurture report funnel`, run as a command against the same database.
    const cli = await nurture(['report', 'funnel', '--campaign', CAMPAIGN, '--from', FROM, '--to', TO], {
      DATABASE_URL: stack.config.DATABASE_URL,
      NURTURE_CAMPAIGNS_DIR: stack.config.campaignsDir,
      NODE_ENV: 'test',
    });
    expect(cli.code, cli.err).toBe(0);
    expect(cli.out).toContain(`Funnel ${CAMPAIGN}: 10 leads enrolled`);
    expect(cli.out).toContain(table);
    const cliJson = await nurture(['report', 'funnel', '--campaign', CAMPAIGN, '--from', FROM, '--to', TO, '--json'], {
      DATABASE_URL: stack.config.DATABASE_URL,
      NURTURE_CAMPAIGNS_DIR: stack.config.campaignsDir,
      NODE_ENV: 'test',
    });
    expect(cliJson.code, cliJson.err).toBe(0);
    expect(JSON.parse(cliJson.out)).toMatchObject({ enrolled: 10, stages: api.body.stages });
    const badDate = await nurture(['report', 'funnel', '--campaign', CAMPAIGN, '--from', 'yesterday'], {
      DATABASE_URL: stack.config.DATABASE_URL,
      NODE_ENV: 'test',
    });
    expect(badDate.code).not.toBe(0);
    expect(badDate.err).toMatch(/--from: /);
  });

  it('refuses a wrong token at sign-in', async () => {
    const context = await browser.browser.newContext({ baseURL: stack.api.url });
    const p = await context.newPage();
    await p.goto('/dashboard/stalled');
    expect(new URL(p.url()).pathname).toBe('/dashboard/login');
    await p.fill('input[name=name]', 'Mallory');
    await p.fill('input[name=token]', 'not-the-token-at-all');
    await p.click('button:has-text("Sign in")');
    await expect.poll(() => p.locator('[role=alert]').textContent(), POLL).toContain('not valid');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'nurture_session')).toBeUndefined();
    await context.close();
  });
});

describe('dashboard: engagement per template', () => {
  it('shows sends, distinct openers, clicks and unsubscribes with their rates', async () => {
    await page.goto(`/dashboard/engagement?campaign=${CAMPAIGN}&from=${FROM}&to=${TO}`);
    const row = (col: string) => page.locator(`table.engagement tr[data-template=welcome] td[data-col=${col}]`).textContent();
    expect(await row('sent')).toBe('4');
    expect(await row('open')).toBe('2 (50.0%)');
    expect(await row('click')).toBe('1 (25.0%)');
    expect(await row('unsubscribe')).toBe('1 (25.0%)');
    expect(await row('reply')).toBe('0 (0.0%)');
    await browser.screenshot(page, 'dashboard-engagement');
  });
});
