// The interpreter's own rules, step by step, on a recording host: what it asks of its effects
// (step keys, reasons, discounts, retry times) and what it writes into the journey's history.
// Written against the mutants StrykerJS found surviving (npm run mutation).
import { describe, expect, it } from 'vitest';
import { campaignFromYaml } from '../../test/fixtures/campaigns.ts';
import type { JourneyEffects, SendOutcome, SendRequest } from './effects.ts';
import { stepAtCursor } from './cursor.ts';
import { effectKey } from './effect-key.ts';
import { runJourney } from './interpreter.ts';
import { simulate } from './simulate.ts';
import { moveLead, newJourneyState, receiveEvent, type JourneyEvent, type JourneyState } from './state.ts';

const T0 = Date.parse('2025-01-06T09:00:00.000Z'); // a Monday

type Call = { effect: string; [k: string]: unknown };

/**
 * A host on a virtual clock that records every effect. `events` arrive at their time while the
 * journey waits; `outcomes` answer sends in order (default: sent).
 */
function host(
  campaign: ReturnType<typeof campaignFromYaml>,
  opts: {
    events?: JourneyEvent[];
    outcomes?: SendOutcome[];
    enrollment?: number;
    continueAsNew?: () => boolean;
    state?: JourneyState;
    until?: number;
  } = {},
) {
  let clock = T0;
  const calls: Call[] = [];
  const waits: Array<number | null> = [];
  const events = [...(opts.events ?? [])].sort((a, b) => a.occurredAt - b.occurredAt);
  const outcomes = [...(opts.outcomes ?? [])];
  const until = opts.until ?? T0 + 30 * 86_400_000;
  const state =
    opts.state ??
    newJourneyState({ campaign, lead: { id: 'lead-1', email: 'a@example.com' }, now: T0, enrollment: opts.enrollment });
  class Over {}
  const fx: JourneyEffects = {
    now: () => clock,
    async waitUntil(deadline, done) {
      waits.push(deadline);
      for (;;) {
        if (done()) return true;
        const next = events[0];
        if (next !== undefined && (deadline === null || next.occurredAt <= deadline)) {
          events.shift();
          clock = Math.max(clock, next.occurredAt);
          receiveEvent(state, campaign, next, clock);
          continue;
        }
        if (deadline === null || deadline > until) throw new Over();
        clock = deadline;
        return false;
      }
    },
    async send(req: SendRequest) {
      calls.push({ effect: 'send', at: clock, ...req });
      return outcomes.shift() ?? { status: 'sent' };
    },
    async setStage(c) {
      calls.push({ effect: 'setStage', at: clock, ...c });
    },
    async flag(f) {
      calls.push({ effect: 'flag', at: clock, ...f });
    },
    async notifySales(n) {
      calls.push({ effect: 'notifySales', at: clock, ...n });
    },
    async issueDiscount(d) {
      calls.push({ effect: 'issueDiscount', at: clock, ...d });
      return { code: `CODE-${d.percent}`, percent: d.percent, expiresAt: clock + d.validForMs };
    },
    shouldContinueAsNew: opts.continueAsNew ?? (() => false),
  };
  return {
    state,
    calls,
    waits,
    async run() {
      try {
        return await runJourney(campaign, state, fx);
      } catch (e) {
        if (e instanceof Over) return { kind: 'waiting' as const };
        throw e;
      }
    },
  };
}

const ev = (type: string, atSeconds: number, data?: Record<string, unknown>, id?: string): JourneyEvent => ({
  id: id ?? `${type}-${atSeconds}`,
  type,
  occurredAt: T0 + atSeconds * 1000,
  ...(data ? { data } : {}),
});
const only = (calls: Call[], effect: string) => calls.filter((c) => c.effect === effect);

describe('step keys', () => {
  const C = campaignFromYaml(`
id: keys
name: Keys
stages:
  a:
    steps:
      - send: welcome
      - id: second
        send: faq
  b:
    steps:
      - send: tutorial
`);

  it('are "<seq>:<stage>.<step id or path>", counting every step, stage entry and stall', async () => {
    const h = host(C);
    expect(await h.run()).toEqual({ kind: 'completed', reason: 'finished the last stage (b)' });
    expect(h.calls.map((c) => [c.effect, c.stepKey])).toEqual([
      ['setStage', '1:a.enter'],
      ['send', '2:a.steps[0]'],
      ['send', '3:a.second'],
      ['setStage', '4:b.enter'],
      ['send', '5:b.steps[0]'],
    ]);
    expect(only(h.calls, 'setStage').map((c) => [c.from, c.to, c.reason])).toEqual([
      [null, 'a', 'enrolled'],
      ['a', 'b', 'finished stage a'],
    ]);
  });

  it('carry the enrollment as a prefix when a lead enrolled again, and none the first time', async () => {
    const again = host(C, { enrollment: 2 });
    await again.run();
    expect(again.calls.map((c) => c.stepKey)).toEqual([
      'r2/1:a.enter',
      'r2/2:a.steps[0]',
      'r2/3:a.second',
      'r2/4:b.enter',
      'r2/5:b.steps[0]',
    ]);
    const first = host(C, { enrollment: 1 });
    await first.run();
    expect(first.calls.every((c) => !String(c.stepKey).startsWith('r'))).toBe(true);
  });
});

describe('the history the interpreter keeps', () => {
  it('notes stages, sends, branches, conditions, flags, notifications, discounts and the end', async () => {
    const C = campaignFromYaml(`
id: notes
name: Notes
scoring:
  points: { click: 3 }
stages:
  a:
    steps:
      - send: welcome
      - waitFor: click
        within: 10s
      - waitFor: open
        within: 5s
      - if: { score: { gte: 3 } }
        then:
          - flag: hot lead
      - notifySales: { email: sales@example.com }
      - notifySales: { email: sales@example.com, reason: asked for a call }
      - discount: { percent: 10, validFor: 1h }
      - exit: done here
`);
    const h = host(C, { events: [ev('click', 2)] });
    expect(await h.run()).toEqual({ kind: 'exited', reason: 'done here' });
    expect(h.state.history.map((e) => [e.kind, e.detail])).toEqual([
      ['stage', '(start) -> a: enrolled'],
      ['send', 'welcome'],
      ['branch', 'click came first'],
      ['branch', 'no open in time'],
      ['branch', 'condition held (score 3)'],
      ['flag', 'manual: hot lead'],
      ['notify', 'sales: step 7:a.steps[4]'],
      ['notify', 'sales: asked for a call'],
      ['discount', `CODE-10: 10% until ${new Date(T0 + 7000 + 3_600_000).toISOString()}`],
      ['exit', 'exited: done here'],
    ]);
    expect(h.state.ended).toEqual({ kind: 'exited', reason: 'done here', at: T0 + 7000 });
    expect(only(h.calls, 'notifySales').map((c) => [c.reason, c.target, c.stage])).toEqual([
      ['campaign step in a', { email: 'sales@example.com' }, 'a'],
      ['asked for a call', { email: 'sales@example.com' }, 'a'],
    ]);
    expect(only(h.calls, 'flag')).toEqual([expect.objectContaining({ kind: 'manual', reason: 'hot lead', stage: 'a' })]);
    expect(only(h.calls, 'issueDiscount')).toEqual([expect.objectContaining({ percent: 10, validForMs: 3_600_000 })]);
  });

  it('notes a condition that did not hold, and the end of a completed journey', async () => {
    const C = campaignFromYaml(`
id: cold
name: Cold
stages:
  a:
    steps:
      - if: { score: { gte: 1 } }
        then:
          - send: offer
        else:
          - send: faq
`);
    const h = host(C);
    expect(await h.run()).toEqual({ kind: 'completed', reason: 'finished the last stage (a)' });
    expect(h.state.history.map((e) => [e.kind, e.detail])).toEqual([
      ['stage', '(start) -> a: enrolled'],
      ['branch', 'condition did not hold (score 0)'],
      ['send', 'faq'],
      ['end', 'completed: finished the last stage (a)'],
    ]);
    expect(h.state.ended).toMatchObject({ kind: 'completed' });
  });

  it('an ended journey answers its end again and does nothing', async () => {
    const C = campaignFromYaml('id: e\nname: E\nstages:\n  a:\n    steps:\n      - send: welcome\n');
    const h = host(C);
    await h.run();
    const calls = h.calls.length;
    expect(await runJourney(C, h.state, undefined as never)).toEqual({
      kind: 'completed',
      reason: 'finished the last stage (a)',
    });
    expect(h.calls).toHaveLength(calls);
  });
});

describe('sends', () => {
  it('a capped send never retries sooner than a minute, whatever retryAt says', async () => {
    const C = campaignFromYaml('id: c\nname: C\nstages:\n  a:\n    steps:\n      - send: welcome\n');
    const h = host(C, { outcomes: [{ status: 'capped', retryAt: T0 + 5_000 }] });
    await h.run();
    const sends = only(h.calls, 'send');
    expect(sends.map((s) => s.at)).toEqual([T0, T0 + 60_000]);
    expect(sends[0]!.stepKey).toBe(sends[1]!.stepKey);
    expect(h.state.history.find((e) => e.kind === 'deferred')?.detail).toBe(
      `welcome: frequency cap, retry at ${new Date(T0 + 60_000).toISOString()}`,
    );
  });

  it('a capped send waits until a later retryAt exactly', async () => {
    const C = campaignFromYaml('id: c\nname: C\nstages:\n  a:\n    steps:\n      - send: welcome\n');
    const h = host(C, { outcomes: [{ status: 'capped', retryAt: T0 + 3_600_000 }] });
    await h.run();
    expect(only(h.calls, 'send').map((s) => s.at)).toEqual([T0, T0 + 3_600_000]);
  });

  it.each(['suppressed', 'bounced'] as const)('a %s send ends the journey, naming the template and why', async (status) => {
    const C = campaignFromYaml('id: c\nname: C\nstages:\n  a:\n    steps:\n      - send: welcome\n      - send: faq\n');
    const h = host(C, { outcomes: [{ status, reason: 'on the list' }] });
    expect(await h.run()).toEqual({ kind: 'exited', reason: `welcome ${status}: on the list` });
    expect(only(h.calls, 'send')).toHaveLength(1);
  });

  it('carries a discount until it expires, and not into the next stage', async () => {
    const C = campaignFromYaml(`
id: d
name: D
stages:
  a:
    steps:
      - discount: { percent: 15, validFor: 10s }
      - send: discount
      - wait: 10s
      - send: faq
      - discount: { percent: 20, validFor: 1h }
  b:
    steps:
      - send: onboarding-start
`);
    const h = host(C);
    await h.run();
    expect(only(h.calls, 'send').map((s) => [s.templateId, (s.discount as { code: string } | undefined)?.code])).toEqual([
      ['discount', 'CODE-15'],
      ['faq', undefined], // expired exactly at its end
      ['onboarding-start', undefined], // the 20% belonged to stage a
    ]);
  });

  it('sends at once with the send window open and holds it otherwise, in the lead zone', async () => {
    const C = campaignFromYaml(`
id: w
name: W
timezone: UTC
sendWindow: { days: [mon], hours: { from: "10:00", to: "11:00" } }
stages:
  a:
    steps:
      - send: welcome
`);
    const h = host(C);
    await h.run();
    expect(only(h.calls, 'send').map((s) => s.at)).toEqual([T0 + 3_600_000]);
    const inTokyo = host(C, {
      state: newJourneyState({ campaign: C, lead: { id: 'l', email: 't@example.com', timezone: 'Asia/Tokyo' }, now: T0 }),
    });
    await inTokyo.run();
    // 09:00Z Monday is 18:00 Monday in Tokyo: the next window is next Monday 10:00 JST (01:00Z).
    expect(only(inTokyo.calls, 'send').map((s) => new Date(s.at as number).toISOString())).toEqual(['2025-01-13T01:00:00.000Z']);
  });
});

describe('stalls', () => {
  it('flags and notifies without re-engagement, and resumes the same wait', async () => {
    const C = campaignFromYaml(`
id: s
name: S
stages:
  a:
    steps:
      - send: welcome
      - wait: 100s
      - send: faq
    stall:
      after: 30s
      notify: { email: sales@example.com }
`);
    const h = host(C);
    await h.run();
    expect(
      h.calls.map((c) => [c.effect, c.at === undefined ? 0 : ((c.at as number) - T0) / 1000, c.kind ?? c.templateId ?? c.to]),
    ).toEqual([
      ['setStage', 0, 'a'],
      ['send', 0, 'welcome'],
      ['flag', 30, 'stalled'],
      ['notifySales', 30, undefined],
      ['send', 100, 'faq'],
    ]);
    expect(only(h.calls, 'flag')[0]).toMatchObject({ reason: 'no engagement for 30s in a', stage: 'a', stepKey: '4:a.stall' });
    expect(only(h.calls, 'notifySales')[0]).toMatchObject({
      stepKey: '4:a.stall.notify',
      reason: 'lead stalled: no engagement for 30s in a',
      target: { email: 'sales@example.com' },
    });
    expect(h.state.stalled).toBe(true);
    expect(h.state.stalledAt).toBe(T0 + 30_000);
  });

  it('does not notify without a notify target', async () => {
    const C = campaignFromYaml(`
id: s
name: S
stages:
  a:
    steps:
      - send: welcome
      - wait: 100s
    stall:
      after: 30s
`);
    const h = host(C);
    await h.run();
    expect(only(h.calls, 'flag')).toHaveLength(1);
    expect(only(h.calls, 'notifySales')).toHaveLength(0);
  });

  it('a stall inside re-engagement only flags again: re-engagement does not nest', async () => {
    const C = campaignFromYaml(`
id: s
name: S
stages:
  a:
    steps:
      - send: welcome
      - waitFor: click
    stall:
      after: 10s
      reengage:
        - send: re-engagement
        - wait: 100s
        - send: faq
`);
    const h = host(C, { until: T0 + 500_000 });
    await h.run();
    expect(only(h.calls, 'send').map((s) => [((s.at as number) - T0) / 1000, s.templateId])).toEqual([
      [0, 'welcome'],
      [10, 're-engagement'],
      [110, 'faq'],
    ]);
    // Once stalled, the lead is not flagged again and the branch does not start again.
    expect(only(h.calls, 'flag').map((f) => ((f.at as number) - T0) / 1000)).toEqual([10]);
  });

  it('goes dormant after dormantAfter, naming how long', async () => {
    const C = campaignFromYaml(`
id: s
name: S
stages:
  a:
    steps:
      - send: welcome
      - waitFor: click
    stall:
      after: 10s
      dormantAfter: 50s
`);
    const h = host(C);
    expect(await h.run()).toEqual({ kind: 'dormant', reason: 'no engagement for 50s after stalling in a' });
    expect(only(h.calls, 'flag').map((f) => [f.kind, ((f.at as number) - T0) / 1000, f.stepKey])).toEqual([
      ['stalled', 10, '4:a.stall'],
      ['dormant', 60, '5:a.dormant'],
    ]);
    expect(h.state.history.at(-2)).toMatchObject({ kind: 'flag', detail: 'dormant: no engagement for 50s after stalling in a' });
    expect(h.state.history.at(-1)).toMatchObject({ kind: 'end', detail: 'dormant: no engagement for 50s after stalling in a' });
  });
});

describe('qualification', () => {
  const C = campaignFromYaml(`
id: q
name: Q
scoring:
  points: { reply: 10 }
  qualification: { threshold: 10, stage: b, notify: { email: sales@example.com } }
stages:
  a:
    steps:
      - send: welcome
      - waitFor: purchase
  b:
    steps:
      - waitFor: purchase
  c:
    steps:
      - waitFor: purchase
`);

  it('flags, notifies and moves the lead forward to its stage', async () => {
    const h = host(C, { events: [ev('reply', 5)], until: T0 + 60_000 });
    await h.run();
    expect(only(h.calls, 'flag')).toEqual([
      expect.objectContaining({ kind: 'qualified', stage: 'a', reason: 'score 10 reached the qualification threshold 10' }),
    ]);
    expect(only(h.calls, 'notifySales')).toEqual([
      expect.objectContaining({
        reason: 'lead qualified: score 10 reached the qualification threshold 10',
        target: { email: 'sales@example.com' },
      }),
    ]);
    expect(only(h.calls, 'setStage').map((c) => c.to)).toEqual(['a', 'b']);
  });

  it('a lead already past the stage is flagged, but sales hear nothing and it stays', async () => {
    const state = newJourneyState({ campaign: C, lead: { id: 'l', email: 'c@example.com' }, now: T0 });
    const h = host(C, { state, events: [ev('reply', 5)], until: T0 + 60_000 });
    // Put the lead in stage c before the reply arrives.
    moveLead(state, 'c', 'moved by hand');
    await h.run();
    expect(only(h.calls, 'flag').map((f) => f.kind)).toEqual(['qualified']);
    expect(only(h.calls, 'notifySales')).toHaveLength(0);
    expect(only(h.calls, 'setStage').map((c) => c.to)).not.toContain('b');
  });
});

describe('run boundaries', () => {
  it('asks to continue as new only at a step boundary after running a step, and resumes there', async () => {
    const C = campaignFromYaml('id: c\nname: C\nstages:\n  a:\n    steps:\n      - send: welcome\n      - send: faq\n');
    let asked = 0;
    const h = host(C, { continueAsNew: () => ++asked === 1 });
    const r = await h.run();
    expect(r.kind).toBe('continueAsNew');
    expect(only(h.calls, 'send').map((s) => s.templateId)).toEqual(['welcome']);
    const resumed = host(C, { state: JSON.parse(JSON.stringify(h.state)) as JourneyState });
    expect(await resumed.run()).toMatchObject({ kind: 'completed' });
    expect(only(resumed.calls, 'send').map((s) => [s.templateId, s.stepKey])).toEqual([['faq', '3:a.steps[1]']]);
  });

  it('stops a campaign that loops without time passing, naming the stage', async () => {
    const C = campaignFromYaml(
      'id: loop\nname: L\nstages:\n  a:\n    steps:\n      - goto: b\n  b:\n    steps:\n      - goto: a\n',
    );
    await expect(host(C).run()).rejects.toThrow('campaign loop loops in stage');
  });
});

it('simulate and the recording host agree on the same campaign', async () => {
  const C = campaignFromYaml(
    'id: c\nname: C\nstages:\n  a:\n    steps:\n      - send: welcome\n      - wait: 1d\n      - send: faq\n',
  );
  const t = await simulate(C, {}, [], { start: T0 });
  const h = host(C);
  await h.run();
  expect(t.entries.filter((e) => e.kind === 'send').map((e) => [Date.parse(e.at), e.detail])).toEqual(
    only(h.calls, 'send').map((s) => [s.at, s.templateId]),
  );
});

describe('where a step is', () => {
  it('names nested and re-engagement steps by their path', async () => {
    const C = campaignFromYaml(`
id: p
name: P
stages:
  a:
    steps:
      - if: { score: { gte: 0 } }
        then:
          - send: welcome
      - waitFor: click
    stall:
      after: 10s
      reengage:
        - send: re-engagement
`);
    const h = host(C, { until: T0 + 15_000 });
    await h.run();
    expect(only(h.calls, 'send').map((s) => s.stepKey)).toEqual(['3:a.steps[0].then[0]', '6:a.stall.reengage[0]']);
  });

  it('refuses a cursor in a stage the campaign does not have', () => {
    const C = campaignFromYaml('id: x\nname: X\nstages:\n  a:\n    steps:\n      - send: welcome\n');
    expect(() => stepAtCursor(C, 'zz', { root: 'steps', path: [0], stepKey: null })).toThrow('campaign x has no stage zz');
    expect(stepAtCursor(C, 'a', { root: 'steps', path: [5, 'then', 0], stepKey: null })).toBeUndefined();
    expect(stepAtCursor(C, 'a', { root: 'reengage', path: [0], stepKey: null })).toBeUndefined();
  });

  it('keys an effect by workflow, step and, where a step has several, the effect', () => {
    expect(effectKey({ workflowId: 'journey/c/l', stepKey: '2:a.steps[0]' })).toBe('journey/c/l#2:a.steps[0]');
    expect(effectKey({ workflowId: 'journey/c/l', stepKey: '2:a.steps[0]' }, 'notify')).toBe('journey/c/l#2:a.steps[0]#notify');
  });
});
