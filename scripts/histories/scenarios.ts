// The journeys whose histories make a release's golden set. Together they take every step
// kind and every path of the workflow: the shipped example campaign, and second-scale test
// campaigns (test/histories/campaigns/). Each scenario acts like the outside world (signup
// and event webhooks, the dashboard), waits for a checkpoint with a bound, and names the
// runs to keep. Running journeys are kept as they are at the checkpoint: replay covers them
// up to there.
import pg from 'pg';
import { parseCampaign } from '../../core/campaign/load.ts';
import { nextSendTime } from '../../core/journey/sendWindow.ts';
import { isClosed, signalsIn, type Lead, type RunRef, type ScenarioKit } from './kit.ts';

export interface Scenario {
  name: string;
  campaign: string;
  about: string;
  run(k: ScenarioKit): Promise<RunRef[]>;
}

const PRICING = 'https://example.com/pricing';

/** The latest run has closed other than by continuing as new: the journey is over. */
async function journeyOver(k: ScenarioKit, lead: Lead): Promise<void> {
  await k.until(`the journey ${lead.workflowId} to end`, async () => {
    const history = await k.history({ workflowId: lead.workflowId, runId: await k.runId(lead) });
    return isClosed(history) && history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes == null;
  });
}

async function endedAs(k: ScenarioKit, lead: Lead, status: string): Promise<void> {
  await k.until(
    `enrollment ${status}`,
    async () => (await k.enrollmentStatus(lead)) === status,
    undefined,
    async () => {
      const s = await k.status(lead).catch(() => undefined);
      return `enrollment ${await k.enrollmentStatus(lead)}, journey ended ${JSON.stringify(s?.ended)}, last history ${JSON.stringify(s?.history.slice(-3))}`;
    },
  );
  await journeyOver(k, lead);
}

async function salesHeardOf(k: ScenarioKit, lead: Lead): Promise<void> {
  await k.until('the sales webhook to be called', async () =>
    k.stack.sales.received.some((r) => r.body?.lead?.id === lead.leadId),
  );
}

async function flagged(k: ScenarioKit, lead: Lead, kind: string): Promise<void> {
  await k.until(`a ${kind} flag`, async () => (await k.flags(lead)).includes(kind));
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'example-welcome',
    campaign: 'example',
    about: 'shipped campaign: the welcome goes out at once (anytime), then the journey waits for a click or reply',
    async run(k) {
      const lead = await k.signup('example');
      await k.sentExactly(lead, ['welcome']);
      await k.waiting(lead, 'awareness', ['waitFor']);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'example-engaged',
    campaign: 'example',
    about:
      'shipped campaign: a click in the first wait moves the lead to interest (the faq goes out or waits for the send window)',
    async run(k) {
      const lead = await k.signup('example');
      await k.waiting(lead, 'awareness', ['waitFor']);
      await k.event(lead, 'click', { data: { link: 'https://example.com/start' } });
      await k.waiting(lead, 'interest', ['window', 'waitFor']);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'example-intent',
    campaign: 'example',
    about:
      'shipped campaign: a reply and a demo request qualify the lead (sales told by email) and move it to desire at the offer',
    async run(k) {
      const lead = await k.signup('example');
      await k.waiting(lead, 'awareness', ['waitFor']);
      await k.event(lead, 'reply');
      await k.event(lead, 'demo_requested');
      await flagged(k, lead, 'qualified');
      await k.waiting(lead, 'desire', ['window', 'wait']);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'steps-pricing-click',
    campaign: 'h-steps',
    about:
      'send, wait, waitFor with where (a click elsewhere does not match, the pricing click does), then-branch flag, if score, goto, if property (pro), discount and the send carrying it, notifySales by webhook, waitFor without within',
    async run(k) {
      const lead = await k.signup('h-steps', { properties: { plan: 'pro' } });
      await k.sentExactly(lead, ['welcome']);
      await k.event(lead, 'click', { data: { link: 'https://example.com/blog' } });
      await k.event(lead, 'click', { data: { link: PRICING } });
      await k.waiting(lead, 'interest', ['waitFor']);
      await k.sentExactly(lead, ['welcome', 'discount']);
      await salesHeardOf(k, lead);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'steps-ignored',
    campaign: 'h-steps',
    about: 'waitFor times out: otherwise-branch flag, if score fails, else-branch exit',
    async run(k) {
      const lead = await k.signup('h-steps');
      await endedAs(k, lead, 'exited');
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'steps-unsubscribe',
    campaign: 'h-steps',
    about: 'if property else-branch (faq), then an unsubscribe ends the journey through exitOn',
    async run(k) {
      const lead = await k.signup('h-steps', { properties: { plan: 'basic' } });
      await k.sentExactly(lead, ['welcome']);
      await k.event(lead, 'click', { data: { link: PRICING } });
      await k.waiting(lead, 'interest', ['waitFor']);
      await k.sentExactly(lead, ['welcome', 'faq']);
      await salesHeardOf(k, lead);
      await k.event(lead, 'unsubscribe');
      await endedAs(k, lead, 'exited');
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'stall-dormant',
    campaign: 'h-stall',
    about: 'no engagement: stalled (flag, sales webhook, re-engagement send), then dormant',
    async run(k) {
      const lead = await k.signup('h-stall');
      await endedAs(k, lead, 'dormant');
      await k.sentExactly(lead, ['welcome', 're-engagement']);
      await salesHeardOf(k, lead);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'stall-reengaged',
    campaign: 'h-reengage',
    about:
      'stalled and re-engaged (no dormancy); back in the interrupted wait, a click clears the stall and completes the journey',
    async run(k) {
      const lead = await k.signup('h-reengage');
      await k.sentExactly(lead, ['welcome', 're-engagement']);
      await k.until('the interrupted wait to resume, stalled', async () => {
        const s = await k.status(lead);
        return s.stalled && s.next?.waiting === 'waitFor';
      });
      await k.event(lead, 'click');
      await endedAs(k, lead, 'completed');
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'goals-offer-purchase',
    campaign: 'h-goals',
    about: 'a goal with at: (pricing_viewed: desire at the offer step), then the purchase goal to action and completion',
    async run(k) {
      const lead = await k.signup('h-goals');
      await k.waiting(lead, 'awareness', ['waitFor']);
      await k.event(lead, 'pricing_viewed');
      await k.waiting(lead, 'desire', ['waitFor']);
      await k.sentExactly(lead, ['welcome', 'offer']);
      await k.event(lead, 'purchase');
      await endedAs(k, lead, 'completed');
      await k.sentExactly(lead, ['welcome', 'offer', 'onboarding-start']);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'goals-qualified-duplicates',
    campaign: 'h-goals',
    about:
      'a reply crosses the qualification threshold (flag, sales webhook, move to desire); a repeated event id is counted once (webhook duplicate and repeated signals)',
    async run(k) {
      const lead = await k.signup('h-goals');
      await k.waiting(lead, 'awareness', ['waitFor']);
      const replyId = `${k.name}-reply-${process.pid}`;
      await k.event(lead, 'reply', { eventId: replyId });
      await k.event(lead, 'reply', { eventId: replyId, expect: 200 });
      const openId = `${k.name}-open-${process.pid}`;
      for (let i = 0; i < 3; i++) await k.signalEngagement(lead, 'open', openId);
      await flagged(k, lead, 'qualified');
      await salesHeardOf(k, lead);
      await k.waiting(lead, 'desire', ['waitFor']);
      await k.sentExactly(lead, ['welcome', 'testimonial', 'offer']);
      await k.until('score 11 (one reply, one open)', async () => (await k.status(lead)).score === 11);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'manual-move',
    campaign: 'h-goals',
    about: 'a repeated signup reaches the running journey; a person moves the lead to interest from the dashboard',
    async run(k) {
      const lead = await k.signup('h-goals');
      await k.waiting(lead, 'awareness', ['waitFor']);
      await k.signup('h-goals', { email: lead.email });
      await k.moveStage(lead, 'h-goals', 'interest');
      await k.waiting(lead, 'interest', ['waitFor']);
      await k.until('a stage change recorded with a person as actor', async () =>
        (await k.stages(lead)).some((s) => s.to === 'interest' && s.actor !== 'journey'),
      );
      await k.sentExactly(lead, ['welcome', 'faq']);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'window-held',
    campaign: 'h-window',
    about: "an anytime send, then a send held by the send window in the lead's own time zone",
    async run(k) {
      const window = parsed(k, 'h-window').sendWindow!;
      // A zone where the window stays closed for an hour at least, whatever the time now.
      const zones = ['UTC', 'Asia/Tokyo', 'America/Los_Angeles', 'Asia/Kolkata'];
      const now = Date.now();
      const timezone = zones.find((z) => nextSendTime(now, window, z) > now + 3_600_000);
      if (!timezone) throw new Error(`${k.name}: no time zone in ${zones.join(', ')} keeps the window closed for an hour`);
      const lead = await k.signup('h-window', { timezone });
      await k.sentExactly(lead, ['welcome']);
      await k.waiting(lead, 'awareness', ['window']);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'cap-deferred',
    campaign: 'h-cap',
    about: 'the second send is deferred by the frequency cap and waits to retry',
    async run(k) {
      const lead = await k.signup('h-cap');
      await k.waiting(lead, 'awareness', ['capped']);
      await k.sentExactly(lead, ['welcome']);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'continue-as-new',
    campaign: 'h-long',
    about: 'JOURNEY_HISTORY_LIMIT 20: the journey continues as new several times while opens arrive; every run kept',
    async run(k) {
      const lead = await k.signup('h-long', {}, k.stack.shortHistoryApi);
      for (let i = 0; i < 12; i++) {
        await k.event(lead, 'open');
        await new Promise((r) => setTimeout(r, 250));
      }
      await k.sentExactly(lead, ['welcome', 'first-value', 'faq', 'tutorial']);
      await k.waiting(lead, 'interest', ['waitFor']);
      await k.until('score 12', async () => (await k.status(lead)).score === 12);
      const runs = await k.chain(lead.workflowId);
      if (runs.length < 3) throw new Error(`${k.name}: expected at least two continue-as-new, got ${runs.length - 1}`);
      return runs;
    },
  },
  {
    name: 'continue-as-new-while-waiting',
    campaign: 'h-wait',
    about:
      'JOURNEY_HISTORY_LIMIT 20: opens during one waitFor make the journey continue as new inside the wait; a purchase then takes its then branch',
    async run(k) {
      const lead = await k.signup('h-wait', {}, k.stack.shortHistoryApi);
      await k.sentExactly(lead, ['welcome']);
      await k.waiting(lead, 'awareness', ['waitFor']);
      for (let i = 0; i < 20; i++) await k.event(lead, 'open');
      await k.until('score 20', async () => (await k.status(lead)).score === 20);
      const during = await k.chain(lead.workflowId);
      if (during.length < 3) throw new Error(`${k.name}: expected two continue-as-new while waiting, got ${during.length - 1}`);
      await k.event(lead, 'purchase');
      await k.sentExactly(lead, ['welcome', 'faq']);
      await journeyOver(k, lead);
      return k.chain(lead.workflowId);
    },
  },
  {
    name: 'send-failed',
    campaign: '(inline: h-retired, h-bad-address)',
    about:
      'sends that can never succeed: a retired template is flagged and skipped, an address that is not one is flagged and ends the journey',
    async run(k) {
      const retired = await k.enrollDirect(RETIRED_TEMPLATE, k.email('retired'));
      const bad = await k.enrollDirect(BAD_ADDRESS, `${k.name}-no-at-sign-${process.pid}.example.com`);
      await k.sentExactly(retired, ['welcome']);
      await endedAs(k, retired, 'completed');
      await endedAs(k, bad, 'exited');
      for (const lead of [retired, bad]) await flagged(k, lead, 'failed');
      return [...(await k.chain(retired.workflowId)), ...(await k.chain(bad.workflowId))];
    },
  },
  {
    name: 'reenroll-after-end',
    campaign: 'h-again',
    about: 'allowReenrollment: the journey completes, a second signup starts a new run on the same workflow id',
    async run(k) {
      const lead = await k.signup('h-again');
      await endedAs(k, lead, 'completed');
      const first = await k.runId(lead);
      await k.signup('h-again', { email: lead.email });
      await k.until('a second run', async () => (await k.runId(lead)) !== first);
      await k.until('the second welcome', async () => (await k.sent(lead)).length === 2);
      await endedAs(k, lead, 'completed');
      return [...(await k.chain(lead.workflowId, first)), ...(await k.chain(lead.workflowId))];
    },
  },
  {
    name: 'reenroll-while-ending',
    campaign: 'h-again',
    about: 'allowReenrollment: a signup reaches the run while it records its end (held by a row lock), then the run closes',
    async run(k) {
      const lead = await k.signup('h-again');
      await k.sentExactly(lead, ['welcome']);
      // Hold the enrollment row so that the run's last activity (recordJourneyEnd) blocks:
      // the signup then reaches a run that has ended its journey but not closed.
      const db = new pg.Client({ connectionString: k.stack.databaseUrl });
      await db.connect();
      try {
        await db.query('BEGIN');
        const row = await db.query('SELECT status FROM enrollments WHERE workflow_id = $1 FOR UPDATE', [lead.workflowId]);
        if (row.rows[0]?.status !== 'active')
          throw new Error(`${k.name}: the journey ended before the row could be held (${row.rows[0]?.status})`);
        const handle = k.stack.temporal.workflow.getHandle(lead.workflowId);
        await k.until('recordJourneyEnd to be running (and held)', async () =>
          (await handle.describe()).raw.pendingActivities?.some((a) => a.activityType?.name === 'recordJourneyEnd'),
        );
        const answer = k.signupLater('h-again', lead.email);
        await k.until('the signup signal to be handled by the ending run', async () => {
          const s = signalsIn(await k.history({ workflowId: lead.workflowId, runId: await k.runId(lead) }), 'signup');
          return s.count >= 2 && s.handled;
        });
        await db.query('ROLLBACK');
        const res = await answer;
        if (res.status !== 202)
          throw new Error(`${k.name}: the second signup answered ${res.status}: ${JSON.stringify(res.body)}`);
      } finally {
        await db.end();
      }
      await journeyOver(k, lead);
      return k.chain(lead.workflowId);
    },
  },
];

const RETIRED_TEMPLATE = `
id: h-retired
name: Retired template (histories)
stages:
  only:
    steps:
      - send: welcome-2019
      - send: welcome
`;

const BAD_ADDRESS = `
id: h-bad-address
name: Bad address (histories)
stages:
  only:
    steps:
      - send: welcome
      - send: faq
`;

function parsed(k: ScenarioKit, id: string) {
  for (const c of k.stack.campaigns) {
    const p = parseCampaign(c.written, c.source);
    if (p.ok && p.campaign.id === id) return p.campaign;
  }
  throw new Error(`${k.name}: no campaign ${id}`);
}
