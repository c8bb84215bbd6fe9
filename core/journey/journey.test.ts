// The journey logic, driven through the simulator: the same runJourney the workflow runs.
import { describe, expect, it } from 'vitest';
import type { SendOutcome } from './effects.ts';
import { campaignFromYaml, fastFunnel, windowed } from '../../test/fixtures/campaigns.ts';
import { runJourney } from './interpreter.ts';
import { simulate, type ScriptedEvent, type Timeline } from './simulate.ts';
import { moveLead, newJourneyState, receiveEvent } from './state.ts';

const START = '2025-01-06T09:00:00.000Z'; // Monday
const sends = (t: Timeline) => t.entries.filter((e) => e.kind === 'send').map((e) => e.detail.split(' ')[0]);
const seconds = (t: Timeline, iso: string) => (Date.parse(iso) - Date.parse(t.start)) / 1000;
const timeOf = (t: Timeline, kind: string, detail: RegExp) => {
  const e = t.entries.find((x) => x.kind === kind && detail.test(x.detail));
  if (e === undefined) throw new Error(`no ${kind} ${detail} in the timeline`);
  return seconds(t, e.at);
};

const ENGAGED: ScriptedEvent[] = [
  { at: '+2s', type: 'click' },
  { at: '+8s', type: 'click' },
  { at: '+20s', type: 'purchase' },
];

// One stage whose stall fires in the middle of a 100s wait and runs a two-step branch.
const PATIENT_YAML = `
id: patient
name: Patient
stages:
  a:
    steps:
      - send: welcome
      - wait: 100s
      - send: faq
    stall:
      after: 30s
      reengage:
        - send: re-engagement
        - wait: 20s
        - send: tutorial
      dormantAfter: 200s
`;

describe('journey', () => {
  it('an engaging lead advances through the stages and gets each stage content in order', async () => {
    const t = await simulate(fastFunnel(), {}, ENGAGED, { start: START });
    expect(sends(t)).toEqual([
      'welcome',
      'faq',
      'tutorial',
      'testimonial',
      'discount',
      'onboarding-start',
      'onboarding-tips',
      'referral',
    ]);
    const stages = t.entries.filter((e) => e.kind === 'stage').map((e) => [seconds(t, e.at), e.stage]);
    expect(stages).toEqual([
      [0, 'awareness'],
      [2, 'interest'],
      [8, 'desire'],
      [20, 'action'],
      [25, 'delight'],
    ]);
    expect(timeOf(t, 'send', /^tutorial/)).toBe(7);
    expect(t.entries.find((e) => e.detail.startsWith('discount'))?.detail).toBe('discount (code SIM15-1)');
    expect(t.result).toEqual({ kind: 'completed', reason: 'finished the last stage (delight)' });
    expect(t.entries.some((e) => e.kind === 'flag')).toBe(false);
  });

  it('a lead who ignores everything is flagged stalled, re-engaged, then marked dormant', async () => {
    const t = await simulate(fastFunnel(), {}, [], { start: START });
    expect(t.entries.map((e) => [seconds(t, e.at), e.kind, e.detail.split(':')[0]])).toEqual([
      [0, 'stage', 'start -> awareness'],
      [0, 'send', 'welcome'],
      [10, 'send', 'first-value'],
      [30, 'flag', 'stalled'],
      [30, 'notify', 'sales (http'],
      [30, 'send', 're-engagement'],
      [90, 'flag', 'dormant'],
      [90, 'end', 'dormant'],
    ]);
    expect(t.result.kind).toBe('dormant');
    expect(t.state.stage).toBe('awareness');
  });

  it('engagement after a stall clears it, restarts the stall clock and resumes the interrupted wait', async () => {
    const t = await simulate(fastFunnel(), {}, [{ at: '+40s', type: 'open' }], { start: START, includeEvents: true });
    // The open answers the waitFor that re-engagement interrupted: on to interest.
    expect(timeOf(t, 'stage', /-> interest/)).toBe(40);
    expect(t.entries.filter((e) => e.kind === 'flag').map((e) => e.detail.split(':')[0])).toEqual([
      'stalled',
      'stalled',
      'dormant',
    ]);
    // Interest was entered at 40s: stalled at 70s, dormant 60s later.
    expect(timeOf(t, 'flag', /^stalled: .* interest/)).toBe(70);
    expect(timeOf(t, 'flag', /^dormant/)).toBe(130);
  });

  it.each([
    ['awareness', [] as ScriptedEvent[]],
    ['interest', [{ at: '+2s', type: 'click' }]],
    [
      'desire',
      [
        { at: '+2s', type: 'click' },
        { at: '+8s', type: 'click' },
      ],
    ],
  ])('a purchase jumps to onboarding from %s', async (stage, before) => {
    const t = await simulate(fastFunnel(), {}, [...before, { at: '+9s', type: 'purchase' }], { start: START });
    const jump = t.entries.find((e) => e.kind === 'stage' && e.stage === 'action');
    expect(jump?.detail).toBe(`${stage} -> action: goal: purchase`);
    expect(seconds(t, jump!.at)).toBe(9);
    const after = t.entries.filter((e) => e.kind === 'send' && seconds(t, e.at) >= 9).map((e) => e.detail);
    expect(after).toEqual(['onboarding-start', 'onboarding-tips', 'referral']);
  });

  it('a second purchase does not restart onboarding', async () => {
    const t = await simulate(
      fastFunnel(),
      {},
      [
        { at: '+1s', type: 'purchase' },
        { at: '+3s', type: 'purchase' },
      ],
      { start: START },
    );
    expect(sends(t).filter((s) => s === 'onboarding-start')).toHaveLength(1);
  });

  it('an unsubscribe ends the journey at once with no further send', async () => {
    const t = await simulate(fastFunnel(), {}, [{ at: '+5s', type: 'unsubscribe' }], { start: START });
    expect(sends(t)).toEqual(['welcome']);
    expect(t.result).toEqual({ kind: 'exited', reason: 'unsubscribe' });
    expect(t.entries.at(-1)).toMatchObject({ kind: 'exit', at: '2025-01-06T09:00:05.000Z' });
  });

  it('a hard bounce ends it, a soft bounce does not', async () => {
    const hard = await simulate(fastFunnel(), {}, [{ at: '+5s', type: 'bounce', data: { kind: 'hard' } }], { start: START });
    expect(hard.result).toEqual({ kind: 'exited', reason: 'bounce (kind=hard)' });
    const soft = await simulate(fastFunnel(), {}, [{ at: '+5s', type: 'bounce', data: { kind: 'soft' } }], { start: START });
    expect(soft.result.kind).toBe('dormant');
  });

  it('a duplicated event id counts once', async () => {
    const reply = { type: 'reply', id: 'evt-1' };
    const once = await simulate(fastFunnel(), {}, [{ at: '+1s', ...reply }], { start: START });
    const twice = await simulate(
      fastFunnel(),
      {},
      [
        { at: '+1s', ...reply },
        { at: '+3s', ...reply },
      ],
      { start: START },
    );
    expect(once.state.score).toBe(10);
    expect(twice.state.score).toBe(10);
    expect(twice.entries).toEqual(once.entries);
  });

  it('qualification notifies sales once when the score crosses the threshold', async () => {
    const t = await simulate(
      fastFunnel(),
      {},
      [
        { at: '+1s', type: 'click' }, // 3
        { at: '+3s', type: 'reply' }, // 13: crosses 10
        { at: '+4s', type: 'reply' }, // 23: already qualified
      ],
      { start: START },
    );
    const flags = t.entries.filter((e) => e.kind === 'flag' && e.detail.startsWith('qualified'));
    const notes = t.entries.filter((e) => e.kind === 'notify' && e.detail.includes('qualified'));
    expect(flags).toHaveLength(1);
    expect(notes).toHaveLength(1);
    expect(seconds(t, flags[0]!.at)).toBe(3);
    expect(t.state.qualified).toBe(true);
    // The qualification interrupted interest's `wait: 5s` (entered at 1s); its deadline held.
    expect(timeOf(t, 'send', /^tutorial/)).toBe(6);
  });

  it('a send outside the send window waits for the window, in the lead zone', async () => {
    const saturday = '2025-01-11T10:00:00.000Z';
    const berlin = await simulate(windowed(), {}, [], { start: saturday });
    expect(berlin.entries.filter((e) => e.kind === 'send').map((e) => [e.detail, e.at])).toEqual([
      ['welcome', '2025-01-13T08:00:00.000Z'], // Monday 09:00 Berlin
      ['first-value', '2025-01-13T09:00:00.000Z'],
    ]);
    const tokyo = await simulate(windowed(), { timezone: 'Asia/Tokyo' }, [], { start: saturday });
    expect(tokyo.entries.find((e) => e.kind === 'send')?.at).toBe('2025-01-13T00:00:00.000Z'); // Monday 09:00 Tokyo
    const bogus = await simulate(windowed(), { timezone: 'Nowhere/Land' }, [], { start: saturday });
    expect(bogus.entries.find((e) => e.kind === 'send')?.at).toBe('2025-01-13T08:00:00.000Z');
  });

  it('an unsubscribe while a send waits for the window cancels it', async () => {
    const t = await simulate(windowed(), {}, [{ at: '+1d', type: 'unsubscribe' }], { start: '2025-01-11T10:00:00.000Z' });
    expect(sends(t)).toEqual([]);
    expect(t.result.kind).toBe('exited');
  });

  it("a 'capped' send waits until retryAt and then goes out with the same step key", async () => {
    const attempts: Array<{ stepKey: string; at: number }> = [];
    const capOnce = (req: { stepKey: string }, now: number): SendOutcome => {
      attempts.push({ stepKey: req.stepKey, at: now });
      return attempts.length === 1 ? { status: 'capped', retryAt: now + 3_600_000 } : { status: 'sent' };
    };
    const c = campaignFromYaml('id: cap\nname: Cap\nstages:\n  a:\n    steps:\n      - send: welcome\n      - send: faq\n');
    const t = await simulate(c, {}, [], { start: START, sendOutcome: capOnce });
    expect(attempts[0]?.stepKey).toBe(attempts[1]?.stepKey);
    expect(attempts[1]!.at - attempts[0]!.at).toBe(3_600_000);
    expect(t.entries.find((e) => e.kind === 'send')).toMatchObject({ detail: 'welcome', at: '2025-01-06T10:00:00.000Z' });
    expect(t.entries.find((e) => e.detail === 'faq')?.at).toBe('2025-01-06T10:00:00.000Z');
    expect(t.state.history.some((h) => h.kind === 'deferred')).toBe(true);
  });

  it('a capped retry that falls outside the send window waits for the window too', async () => {
    let first = true;
    const t = await simulate(windowed(), {}, [], {
      start: '2025-01-06T15:30:00.000Z', // Monday 16:30 Berlin
      sendOutcome: (_req, now) =>
        first ? ((first = false), { status: 'capped', retryAt: now + 3_600_000 }) : { status: 'sent' },
    });
    expect(t.entries.find((e) => e.kind === 'send')?.at).toBe('2025-01-07T08:00:00.000Z');
  });

  it('a suppressed send ends the journey', async () => {
    const t = await simulate(fastFunnel(), {}, [], {
      start: START,
      sendOutcome: () => ({ status: 'suppressed', reason: 'address unsubscribed in another campaign' }),
    });
    expect(t.result).toEqual({ kind: 'exited', reason: 'welcome suppressed: address unsubscribed in another campaign' });
  });

  it('a send whose template cannot be used is flagged and skipped; the journey goes on', async () => {
    const c = campaignFromYaml('id: broken\nname: Broken\nstages:\n  a:\n    steps:\n      - send: welcome\n      - send: faq\n');
    const t = await simulate(c, {}, [], {
      start: START,
      sendOutcome: (req) =>
        req.templateId === 'welcome'
          ? { status: 'failed', failure: 'UnknownTemplate', reason: 'unknown email template "welcome"' }
          : { status: 'sent' },
    });
    expect(t.entries.map((e) => [e.kind, e.detail])).toEqual([
      ['stage', 'start -> a: enrolled'],
      ['flag', 'failed: welcome cannot be sent (UnknownTemplate): unknown email template "welcome"'],
      ['send', 'faq'],
      ['end', 'completed: finished the last stage (a)'],
    ]);
  });

  it('a send that fails for the lead (gone, or an unusable address) is flagged and ends the journey', async () => {
    const t = await simulate(fastFunnel(), {}, [], {
      start: START,
      sendOutcome: () => ({ status: 'failed', failure: 'InvalidAddress', reason: 'not a valid email address' }),
    });
    expect(t.entries.filter((e) => e.kind === 'flag').map((e) => e.detail)).toEqual([
      'failed: welcome cannot be sent (InvalidAddress): not a valid email address',
    ]);
    expect(t.result).toEqual({ kind: 'exited', reason: 'welcome cannot be sent (InvalidAddress): not a valid email address' });
    expect(t.entries.some((e) => e.kind === 'send')).toBe(false);
  });

  it('waitFor honours its filter: only a click on the given link counts', async () => {
    const c = campaignFromYaml(`
id: links
name: Links
stages:
  a:
    steps:
      - send: welcome
      - waitFor: click
        where: { link: "https://example.com/pricing" }
        within: 1m
        then:
          - send: offer
        otherwise:
          - send: faq
`);
    const other = await simulate(c, {}, [{ at: '+5s', type: 'click', data: { link: 'https://example.com/blog' } }], {
      start: START,
    });
    expect(sends(other)).toEqual(['welcome', 'faq']);
    const pricing = await simulate(c, {}, [{ at: '+5s', type: 'click', data: { link: 'https://example.com/pricing' } }], {
      start: START,
    });
    expect(sends(pricing)).toEqual(['welcome', 'offer']);
    expect(timeOf(pricing, 'send', /^offer/)).toBe(5);
  });

  it('branches on score and lead properties', async () => {
    const c = campaignFromYaml(`
id: branches
name: Branches
scoring: { points: { click: 3 } }
stages:
  a:
    steps:
      - wait: 10s
      - if: { score: { gte: 3 } }
        then: [ { send: offer } ]
        else: [ { send: faq } ]
      - if: { property: { name: plan, equals: pro } }
        then: [ { send: case-study } ]
      - exit: done
`);
    const hot = await simulate(c, { properties: { plan: 'pro' } }, [{ at: '+1s', type: 'click' }], { start: START });
    expect(sends(hot)).toEqual(['offer', 'case-study']);
    expect(hot.result).toEqual({ kind: 'exited', reason: 'done' });
    const cold = await simulate(c, { properties: { plan: 'free' } }, [], { start: START });
    expect(sends(cold)).toEqual(['faq']);
  });

  it('a goal can jump to a named step within the stage, but only forward', async () => {
    const c = campaignFromYaml(`
id: offer
name: Offer
goals:
  - on: pricing_viewed
    goto: a
    at: offer
stages:
  a:
    steps:
      - send: testimonial
      - wait: 1h
      - send: case-study
      - wait: 1h
      - id: offer
        send: offer
      - wait: 1h
`);
    const early = await simulate(c, {}, [{ at: '+10m', type: 'pricing_viewed' }], { start: START });
    expect(sends(early)).toEqual(['testimonial', 'offer']);
    expect(timeOf(early, 'send', /^offer/)).toBe(600);
    const late = await simulate(c, {}, [{ at: '+2h30m', type: 'pricing_viewed' }], { start: START });
    expect(sends(late)).toEqual(['testimonial', 'case-study', 'offer']);
  });

  it('a person can move a lead backwards, which a goal never does', async () => {
    const campaign = fastFunnel();
    let clock = Date.parse(START);
    const moves: string[] = [];
    const state = newJourneyState({ campaign, lead: { id: 'l', email: 'l@example.com' }, now: clock });
    let waits = 0;
    const result = await runJourney(campaign, state, {
      now: () => clock,
      async waitUntil(deadline, done) {
        waits += 1;
        // First wait (awareness): the lead clicks. Second (interest): a person moves it back.
        if (waits === 1) receiveEvent(state, campaign, { id: 'c1', type: 'click', occurredAt: clock }, clock);
        if (waits === 2) moveLead(state, 'awareness', 'moved by ada');
        if (done()) return true;
        if (deadline === null) throw new Error('would wait forever');
        clock = deadline;
        return false;
      },
      send: async () => ({ status: 'sent' }),
      setStage: async (c) => void moves.push(`${c.from} -> ${c.to}: ${c.reason}`),
      flag: async () => {},
      notifySales: async () => {},
      issueDiscount: async (d) => ({ code: 'X', percent: d.percent, expiresAt: clock + d.validForMs }),
      shouldContinueAsNew: () => false,
    });
    expect(moves).toEqual([
      'null -> awareness: enrolled',
      'awareness -> interest: goto from awareness',
      'interest -> awareness: moved by ada',
    ]);
    expect(result).toMatchObject({ kind: 'dormant' });
  });

  it('re-engagement interrupts a timed wait, which then resumes with its original deadline', async () => {
    const t = await simulate(campaignFromYaml(PATIENT_YAML), {}, [], { start: START });
    expect(t.entries.filter((e) => e.kind === 'send').map((e) => [seconds(t, e.at), e.detail])).toEqual([
      [0, 'welcome'],
      [30, 're-engagement'],
      [50, 'tutorial'],
      [100, 'faq'],
    ]);
  });

  it('engagement during re-engagement answers the interrupted waitFor', async () => {
    const c = campaignFromYaml(
      PATIENT_YAML.replace(
        '      - wait: 100s\n',
        '      - waitFor: click\n        within: 100s\n        then: [ { send: offer } ]\n',
      ),
    );
    const t = await simulate(c, {}, [{ at: '+40s', type: 'click' }], { start: START });
    expect(t.entries.filter((e) => e.kind === 'send').map((e) => [seconds(t, e.at), e.detail])).toEqual([
      [0, 'welcome'],
      [30, 're-engagement'],
      [50, 'tutorial'],
      [50, 'offer'],
      [50, 'faq'],
    ]);
    expect(t.state.stalled).toBe(false);
  });

  it('stops a campaign that loops without waiting instead of spinning forever', async () => {
    const c = campaignFromYaml('id: loop\nname: Loop\nstages:\n  a:\n    steps:\n      - flag: again\n      - goto: a\n');
    await expect(simulate(c, {}, [], { start: START })).rejects.toThrow(/loops in stage a without waiting/);
  });

  it('reports a lead still waiting when the simulated period ends', async () => {
    const c = campaignFromYaml(
      'id: hold\nname: Hold\nstages:\n  a:\n    steps:\n      - send: welcome\n      - waitFor: click\n',
    );
    const t = await simulate(c, {}, [], { start: START, days: 3 });
    expect(t.result).toEqual({ kind: 'waiting', reason: 'still in stage a after 3 days' });
    expect(t.entries.at(-1)?.at).toBe('2025-01-09T09:00:00.000Z');
  });
});

describe('continue-as-new', () => {
  const scenarios: Array<[string, ScriptedEvent[], () => ReturnType<typeof fastFunnel>, string]> = [
    ['engaged lead', ENGAGED, fastFunnel, START],
    ['silent lead (stall interrupts a wait)', [], fastFunnel, START],
    [
      'late engagement after a stall',
      [
        { at: '+40s', type: 'open' },
        { at: '+75s', type: 'click' },
      ],
      fastFunnel,
      START,
    ],
    ['send window', [], windowed, '2025-01-11T10:00:00.000Z'],
    ['re-engagement inside a timed wait', [], () => campaignFromYaml(PATIENT_YAML), START],
    [
      'qualification interrupting a wait',
      [
        { at: '+1s', type: 'click' },
        { at: '+3s', type: 'reply' },
      ],
      fastFunnel,
      START,
    ],
  ];
  it.each(scenarios)(
    'gives the same timeline with a new run at every step boundary: %s',
    async (_name, events, campaign, start) => {
      const straight = await simulate(campaign(), {}, events, { start });
      for (const every of [1, 2, 3]) {
        const resumed = await simulate(campaign(), {}, events, { start, continueAsNewEvery: every });
        expect(resumed.runs).toBeGreaterThan(1);
        expect(resumed.entries).toEqual(straight.entries);
        expect(resumed.result).toEqual(straight.result);
      }
    },
  );

  it.each(scenarios)(
    'gives the same timeline with a new run in the middle of waits: %s',
    async (_name, events, campaign, start) => {
      const straight = await simulate(campaign(), {}, events, { start });
      const runs: number[] = [];
      for (const every of [2, 3]) {
        const resumed = await simulate(campaign(), {}, events, { start, continueAsNewWhileWaitingEvery: every });
        runs.push(resumed.runs);
        expect(resumed.entries).toEqual(straight.entries);
        expect(resumed.result).toEqual(straight.result);
      }
      // Every scenario waits at least twice, so every second wait did start a new run.
      expect(runs[0]).toBeGreaterThan(1);
    },
  );

  it('refuses to continue as new at every wait, which would never wait', async () => {
    await expect(simulate(fastFunnel(), {}, [], { start: START, continueAsNewWhileWaitingEvery: 1 })).rejects.toThrow(
      'continueAsNewWhileWaitingEvery must be an integer >= 2 (got 1)',
    );
  });

  it('keeps a wait deadline across the boundary', async () => {
    // Continue-as-new happens while re-engagement runs, so the interrupted wait travels in the
    // state; the dormant deadline and the final flags must not move.
    const straight = await simulate(fastFunnel(), {}, [], { start: START });
    const resumed = await simulate(fastFunnel(), {}, [], { start: START, continueAsNewEvery: 1 });
    expect(resumed.entries.map((e) => e.at)).toEqual(straight.entries.map((e) => e.at));
    expect(resumed.entries.map((e) => e.stepKey)).toEqual(straight.entries.map((e) => e.stepKey));
  });
});
