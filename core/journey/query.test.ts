// What the journey says about itself (the Temporal `status` query, the dashboard's stalled
// list) and the simulator's own surface: event times, the timeline text, send outcomes.
import { describe, expect, it } from 'vitest';
import { campaignFromYaml } from '../../test/fixtures/campaigns.ts';
import type { Step } from '../campaign/types.ts';
import { describeJourney, describeStep, stallPlan } from './query.ts';
import { formatTimeline, scriptedEventsSchema, simulate } from './simulate.ts';
import { newJourneyState } from './state.ts';

const START = '2025-01-06T09:00:00.000Z'; // Monday

const CAMPAIGN = campaignFromYaml(`
id: q
name: Q
scoring:
  points: { click: 3 }
  qualification: { threshold: 3 }
stages:
  a:
    steps:
      - send: welcome
      - wait: 2h
      - waitFor: [open, click]
        within: 1d
      - waitFor: purchase
    stall:
      after: 3d
      reengage:
        - send: re-engagement
        - wait: 1d
      dormantAfter: 10d
  b:
    steps:
      - send: faq
`);

describe('describeStep', () => {
  it('says each kind of step in words', () => {
    const steps: Array<[Step, string]> = [
      [{ kind: 'send', send: 'welcome' } as Step, 'send welcome'],
      [{ kind: 'wait', wait: 90 * 60_000 } as Step, 'wait 1h30m'],
      [{ kind: 'waitFor', waitFor: ['open', 'click'], within: 86_400_000 } as Step, 'wait for open or click within 1d'],
      [{ kind: 'waitFor', waitFor: ['purchase'], within: null } as Step, 'wait for purchase'],
      [{ kind: 'goto', goto: 'desire' } as Step, 'go to desire'],
      [{ kind: 'if', if: { score: { gte: 1 } } } as Step, 'check a condition'],
      [{ kind: 'discount', discount: { percent: 15, validFor: 1 } } as Step, 'issue a 15% discount'],
      [{ kind: 'notifySales', notifySales: { email: 'x@example.com' } } as Step, 'notify sales'],
      [{ kind: 'flag', flag: 'vip' } as Step, 'flag: vip'],
      [{ kind: 'exit', exit: 'not a fit' } as Step, 'exit: not a fit'],
    ];
    for (const [step, words] of steps) expect(describeStep(step)).toBe(words);
  });
});

describe('describeJourney', () => {
  it('names the step, what it waits for and until when, and the next stall check', async () => {
    const t = await simulate(CAMPAIGN, { id: 'lead-9' }, [], { start: START, days: 0.05 }); // 72 min: inside the 2h wait
    const d = describeJourney(t.state, CAMPAIGN);
    expect(d).toMatchObject({
      campaignId: 'q',
      campaignVersion: null,
      leadId: 'lead-9',
      stage: 'a',
      score: 0,
      qualified: false,
      stalled: false,
      ended: null,
      next: { stepKey: '3:a.steps[1]', step: 'wait 2h', waiting: 'wait', at: '2025-01-06T11:00:00.000Z' },
      stallCheck: { kind: 'stall', at: '2025-01-09T09:00:00.000Z' },
    });
    expect(d.history).toEqual([
      { at: START, kind: 'stage', stage: 'a', stepKey: '1:a.enter', detail: '(start) -> a: enrolled' },
      { at: START, kind: 'send', stage: 'a', stepKey: '2:a.steps[0]', detail: 'welcome' },
    ]);
  });

  it('while stalled: the re-engagement step, the dormancy check, the score and qualification', async () => {
    // Stalled 3 days after the open (Thursday 11:30), then inside the re-engagement's 1-day wait.
    const t = await simulate(CAMPAIGN, {}, [{ at: '+2h30m', type: 'open' }], { start: START, days: 3.6 });
    const d = describeJourney(t.state, CAMPAIGN);
    expect(d).toMatchObject({ stage: 'a', stalled: true, score: 0, qualified: false });
    expect(d.next).toMatchObject({ step: 'wait 1d', waiting: 'wait', at: '2025-01-10T11:30:00.000Z' });
    expect(d.stallCheck).toEqual({ kind: 'dormant', at: '2025-01-19T11:30:00.000Z' });
    expect(d.history.filter((h) => h.kind === 'flag').map((h) => h.detail)).toEqual(['stalled: no engagement for 3d in a']);

    const clicked = await simulate(CAMPAIGN, {}, [{ at: '+3h', type: 'click' }], { start: START, days: 1 });
    expect(describeJourney(clicked.state, CAMPAIGN)).toMatchObject({ score: 3, qualified: true, stalled: false });
  });

  it('after the end: no next step and no stall check, and when it ended', async () => {
    const t = await simulate(CAMPAIGN, {}, [{ at: '+1d', type: 'unsubscribe' }], { start: START });
    const d = describeJourney(t.state, CAMPAIGN);
    expect(d.next).toBeNull();
    expect(d.stallCheck).toBeNull();
    expect(d.ended).toEqual({ kind: 'exited', reason: expect.stringContaining('unsubscribe'), at: '2025-01-07T09:00:00.000Z' });
  });

  it('at the end of a stage or of re-engagement, says so', () => {
    const state = newJourneyState({ campaign: CAMPAIGN, lead: { id: 'l', email: 'l@example.com' }, now: 0 });
    state.stage = 'a';
    state.cursor = { root: 'steps', path: [9], stepKey: null };
    const base = describeJourney(state, CAMPAIGN);
    expect(base.next).toEqual({ stepKey: null, step: 'end of stage a', waiting: null, at: null });
    state.cursor = { root: 'reengage', path: [9], stepKey: null };
    expect(describeJourney(state, CAMPAIGN).next?.step).toBe('end of re-engagement');
  });
});

describe('stallPlan', () => {
  it('lists the re-engagement steps and when the lead turns dormant', () => {
    expect(stallPlan(CAMPAIGN, 'a', new Date('2025-01-09T09:00:00.000Z'))).toEqual({
      text: 're-engage: send re-engagement, wait 1d; dormant after 10d more without engagement',
      dormantAt: '2025-01-19T09:00:00.000Z',
    });
    expect(stallPlan(CAMPAIGN, 'a', null).dormantAt).toBeNull();
  });

  it('says when there is no rule, no campaign, no re-engagement or no dormancy', () => {
    expect(stallPlan(CAMPAIGN, 'b', new Date())).toEqual({ text: 'no stall rule for this stage', dormantAt: null });
    expect(stallPlan(undefined, 'a', new Date())).toEqual({ text: 'campaign file not found', dormantAt: null });
    expect(stallPlan(CAMPAIGN, null, new Date())).toEqual({ text: 'no stall rule for this stage', dormantAt: null });
    const bare = campaignFromYaml(
      'id: b\nname: B\nstages:\n  a:\n    steps:\n      - send: welcome\n    stall:\n      after: 1d\n',
    );
    expect(stallPlan(bare, 'a', new Date())).toEqual({ text: 'no re-engagement steps; never turns dormant', dormantAt: null });
  });
});

describe('simulate', () => {
  const SHORT = campaignFromYaml(`
id: s
name: S
stages:
  a:
    steps:
      - send: welcome
      - waitFor: click
        within: 2d
        then:
          - send: faq
`);

  it('takes event times as offsets, ISO times and epoch milliseconds, in time order', async () => {
    const start = Date.parse(START);
    const t = await simulate(
      SHORT,
      {},
      [
        { at: start + 3_600_000, type: 'open' },
        { at: '2025-01-06T12:00:00Z', type: 'click' },
        { at: '+0', type: 'open', id: 'first' },
        { at: '+30m', type: 'open' },
      ],
      { start: START, includeEvents: true },
    );
    expect(t.entries.map((e) => [e.at.slice(11, 16), e.kind, e.detail])).toEqual([
      ['09:00', 'event', 'open'],
      ['09:00', 'stage', 'start -> a: enrolled'],
      ['09:00', 'send', 'welcome'],
      ['09:30', 'event', 'open'],
      ['10:00', 'event', 'open'],
      ['12:00', 'event', 'click'],
      ['12:00', 'send', 'faq'],
      ['12:00', 'end', 'completed: finished the last stage (a)'],
    ]);
  });

  it('marks a duplicated event id and ignores it', async () => {
    const t = await simulate(
      SHORT,
      {},
      [
        { at: '+1h', type: 'open', id: 'x' },
        { at: '+2h', type: 'open', id: 'x' },
      ],
      { start: START, includeEvents: true },
    );
    expect(t.entries.filter((e) => e.kind === 'event').map((e) => e.detail)).toEqual(['open', 'open (duplicate, ignored)']);
  });

  it('refuses an event time it cannot read, with an example of what it can', async () => {
    await expect(simulate(SHORT, {}, [{ at: 'tomorrow', type: 'open' }], { start: START })).rejects.toThrow(
      '"tomorrow" is not a time; use an ISO time like 2025-01-06T09:00:00Z or an offset like +3d',
    );
  });

  it('reports a lead still waiting at the end of the period, and the zone and runs', async () => {
    const t = await simulate(SHORT, { timezone: 'Asia/Tokyo' }, [], { start: START, days: 1 });
    expect(t.result).toEqual({ kind: 'waiting', reason: 'still in stage a after 1 days' });
    expect(t.entries.at(-1)).toMatchObject({
      kind: 'end',
      detail: 'still in stage a after 1 days',
      at: '2025-01-07T09:00:00.000Z',
    });
    expect(t.timeZone).toBe('Asia/Tokyo');
    expect(t.runs).toBe(1);
    expect(t.campaignId).toBe('s');
    expect(t.start).toBe(START);
    const utc = await simulate(SHORT, {}, [], { start: START, days: 3 });
    expect(utc.result).toEqual({ kind: 'completed', reason: 'finished the last stage (a)' });
    expect(utc.timeZone).toBe('UTC');
  });

  it('asks sendOutcome what each send did, and records only the sends that went out', async () => {
    const t = await simulate(SHORT, {}, [{ at: '+1h', type: 'click' }], {
      start: START,
      sendOutcome: (req) => (req.templateId === 'faq' ? { status: 'suppressed', reason: 'unsubscribed' } : { status: 'sent' }),
    });
    expect(t.entries.map((e) => [e.kind, e.detail])).toEqual([
      ['stage', 'start -> a: enrolled'],
      ['send', 'welcome'],
      ['exit', 'exited: faq suppressed: unsubscribed'],
    ]);
  });

  it('validates scripted events: a type is required, nothing unknown', () => {
    expect(scriptedEventsSchema.safeParse([{ at: '+1d', type: 'click' }]).success).toBe(true);
    expect(scriptedEventsSchema.safeParse([{ at: '+1d' }]).success).toBe(false);
    expect(scriptedEventsSchema.safeParse([{ at: '+1d', type: '' }]).success).toBe(false);
    expect(scriptedEventsSchema.safeParse([{ at: '+1d', type: 'click', extra: 1 }]).success).toBe(false);
  });
});

describe('formatTimeline', () => {
  it('prints day, weekday, local time, kind and detail, in the lead zone', async () => {
    const C = campaignFromYaml(
      'id: f\nname: F\nstages:\n  a:\n    steps:\n      - send: welcome\n      - wait: 2d\n      - send: faq\n',
    );
    const t = await simulate(C, { timezone: 'Europe/Berlin' }, [], { start: START });
    expect(formatTimeline(t)).toBe(
      [
        'f: simulated from 2025-01-06T09:00:00.000Z (times in Europe/Berlin)',
        'day  0 Mon 10:00  stage     start -> a: enrolled',
        'day  0 Mon 10:00  send      welcome',
        'day  2 Wed 10:00  send      faq',
        'day  2 Wed 10:00  end       completed: finished the last stage (a)',
      ].join('\n'),
    );
  });

  it('shows seconds only when a time has them', async () => {
    const C = campaignFromYaml(
      'id: f\nname: F\nstages:\n  a:\n    steps:\n      - send: welcome\n      - wait: 5s\n      - send: faq\n',
    );
    const t = await simulate(C, {}, [], { start: START });
    expect(formatTimeline(t).split('\n').slice(1)).toEqual([
      'day  0 Mon 09:00:00  stage     start -> a: enrolled',
      'day  0 Mon 09:00:00  send      welcome',
      'day  0 Mon 09:00:05  send      faq',
      'day  0 Mon 09:00:05  end       completed: finished the last stage (a)',
    ]);
  });
});

describe('simulate: defaults and hosts', () => {
  const NOTIFY = campaignFromYaml(`
id: n
name: N
stages:
  a:
    steps:
      - send: welcome
      - notifySales: { email: sales@example.com, webhook: "https://crm.example/hook" }
      - wait: 1h
      - send: faq
`);

  it('gives a sample lead an id and address, numbers scripted events, and starts on a Monday at 09:00 UTC', async () => {
    const t = await simulate(NOTIFY, {}, [{ at: '+1m', type: 'open' }]);
    expect(t.start).toBe('2025-01-06T09:00:00.000Z');
    expect(t.state.lead).toMatchObject({ id: 'lead-1', email: 'lead@example.com' });
    expect(t.state.seenEventIds).toEqual(['sim-1']);
    expect(t.entries.find((e) => e.kind === 'notify')).toMatchObject({
      // The webhook wins when a step names both, as in the notifySales activity.
      detail: 'sales (https://crm.example/hook): campaign step in a',
      stage: 'a',
      stepKey: '3:a.steps[1]',
    });
    const named = await simulate(NOTIFY, { id: 'l-7', email: 'ada@example.com' }, []);
    expect(named.state.lead).toMatchObject({ id: 'l-7', email: 'ada@example.com' });
  });

  it('continues as new exactly every Nth step boundary, and not without the option', async () => {
    const every2 = await simulate(NOTIFY, {}, [], { continueAsNewEvery: 2 });
    const every1 = await simulate(NOTIFY, {}, [], { continueAsNewEvery: 1 });
    const never = await simulate(NOTIFY, {}, []);
    expect(never.runs).toBe(1);
    expect(every1.runs).toBeGreaterThan(every2.runs);
    expect(every2.runs).toBeGreaterThan(1);
    expect(every1.entries).toEqual(never.entries);
  });

  it('an event at the very start is known before the first step; one just at a deadline still counts', async () => {
    const C = campaignFromYaml(`
id: e
name: E
stages:
  a:
    steps:
      - send: welcome
      - waitFor: click
        within: 1h
        then:
          - send: faq
        otherwise:
          - send: tutorial
`);
    const atDeadline = await simulate(C, {}, [{ at: '+1h', type: 'click' }]);
    expect(atDeadline.entries.filter((e) => e.kind === 'send').map((e) => e.detail)).toEqual(['welcome', 'faq']);
    const justAfter = await simulate(C, {}, [{ at: '+1h1s', type: 'click' }]);
    expect(justAfter.entries.filter((e) => e.kind === 'send').map((e) => e.detail)).toEqual(['welcome', 'tutorial']);
    const atStart = await simulate(C, {}, [{ at: '+0', type: 'click' }], { includeEvents: true });
    expect(atStart.entries[0]).toMatchObject({ kind: 'event', detail: 'click', stage: null });
  });
});
