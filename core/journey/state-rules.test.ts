// The state's small rules, each at its edges: conditions, exit reasons, stall timing, stage
// order, the bounded history. Written against mutants StrykerJS found surviving.
import { describe, expect, it } from 'vitest';
import { campaignFromYaml } from '../../test/fixtures/campaigns.ts';
import {
  applyEvent,
  conditionHolds,
  goalMovesForward,
  newJourneyState,
  nextStage,
  nextStallCheck,
  pushHistory,
  stageIndex,
  takeEarlyMatch,
  type HistoryEntry,
  type JourneyState,
} from './state.ts';

const C = campaignFromYaml(`
id: r
name: R
exitOn:
  - unsubscribe
  - on: bounce
    where: { kind: [hard, permanent], source: smtp }
  - on: complaint
    reason: complained to the provider
scoring:
  points: { click: 3, demo_requested: 0 }
stages:
  a:
    steps:
      - send: welcome
      - waitFor: click
    stall:
      after: 10s
      dormantAfter: 20s
  b:
    steps:
      - send: faq
  c:
    steps:
      - send: tutorial
`);

const fresh = (props: Record<string, string | number | boolean> = {}, score = 0): JourneyState => ({
  ...newJourneyState({ campaign: C, lead: { id: 'l', email: 'l@example.com', properties: props }, now: 1000 }),
  score,
});

describe('conditionHolds', () => {
  it('compares the score with each operator at its boundary', () => {
    const at5 = fresh({}, 5);
    expect(conditionHolds(at5, { score: { gte: 5 } })).toBe(true);
    expect(conditionHolds(at5, { score: { gte: 6 } })).toBe(false);
    expect(conditionHolds(at5, { score: { gt: 4 } })).toBe(true);
    expect(conditionHolds(at5, { score: { gt: 5 } })).toBe(false);
    expect(conditionHolds(at5, { score: { lte: 5 } })).toBe(true);
    expect(conditionHolds(at5, { score: { lte: 4 } })).toBe(false);
    expect(conditionHolds(at5, { score: { lt: 6 } })).toBe(true);
    expect(conditionHolds(at5, { score: { lt: 5 } })).toBe(false);
    expect(conditionHolds(at5, { score: { eq: 5 } })).toBe(true);
    expect(conditionHolds(at5, { score: { eq: 4 } })).toBe(false);
    expect(conditionHolds(at5, { score: { gte: 1, lt: 5 } })).toBe(false);
    expect(conditionHolds(at5, { score: { gt: 1, lte: 5 } })).toBe(true);
    expect(conditionHolds(at5, {})).toBe(true);
  });

  it('tests a property for existence, equality and membership', () => {
    const pro = fresh({ plan: 'pro', seats: 0 });
    expect(conditionHolds(pro, { property: { name: 'plan', exists: true } })).toBe(true);
    expect(conditionHolds(pro, { property: { name: 'plan', exists: false } })).toBe(false);
    expect(conditionHolds(pro, { property: { name: 'region', exists: false } })).toBe(true);
    expect(conditionHolds(pro, { property: { name: 'region', exists: true } })).toBe(false);
    expect(conditionHolds(pro, { property: { name: 'seats', exists: true } })).toBe(true); // 0 is there
    expect(conditionHolds(pro, { property: { name: 'plan', equals: 'pro' } })).toBe(true);
    expect(conditionHolds(pro, { property: { name: 'plan', equals: 'team' } })).toBe(false);
    expect(conditionHolds(pro, { property: { name: 'plan', in: ['team', 'pro'] } })).toBe(true);
    expect(conditionHolds(pro, { property: { name: 'plan', in: ['team'] } })).toBe(false);
    // Inherited names are not properties of the lead.
    expect(conditionHolds(pro, { property: { name: 'toString', exists: true } })).toBe(false);
    expect(conditionHolds(pro, { score: { gte: 0 }, property: { name: 'plan', equals: 'team' } })).toBe(false);
  });
});

describe('applyEvent: exits', () => {
  const ev = (type: string, data?: Record<string, unknown>) => ({
    id: `${type}-${JSON.stringify(data)}`,
    type,
    occurredAt: 2000,
    ...(data ? { data } : {}),
  });

  it('names the rule that fired: its reason, or the event and its filter', () => {
    expect(applyEvent(fresh(), C, ev('unsubscribe'), 2000).pendingExit).toBe('unsubscribe');
    expect(applyEvent(fresh(), C, ev('complaint'), 2000).pendingExit).toBe('complained to the provider');
    expect(applyEvent(fresh(), C, ev('bounce', { kind: 'hard', source: 'smtp' }), 2000).pendingExit).toBe(
      'bounce (kind=hard|permanent, source=smtp)',
    );
  });

  it('needs every filter field to match, any listed value will do', () => {
    expect(applyEvent(fresh(), C, ev('bounce', { kind: 'permanent', source: 'smtp' }), 2000).pendingExit).not.toBeNull();
    expect(applyEvent(fresh(), C, ev('bounce', { kind: 'soft', source: 'smtp' }), 2000).pendingExit).toBeNull();
    expect(applyEvent(fresh(), C, ev('bounce', { kind: 'hard' }), 2000).pendingExit).toBeNull();
    expect(applyEvent(fresh(), C, ev('bounce'), 2000).pendingExit).toBeNull();
  });

  it('keeps the first exit when a second arrives before the journey acts', () => {
    const once = applyEvent(fresh(), C, ev('complaint'), 2000);
    expect(applyEvent(once, C, ev('unsubscribe'), 2100).pendingExit).toBe('complained to the provider');
  });

  it('clears a stall on engagement and says so in the history; zero points are not engagement', () => {
    const stalled = { ...fresh(), stage: 'a', stalled: true, stalledAt: 1500 };
    const demo = applyEvent(stalled, C, ev('demo_requested'), 2000);
    expect(demo.stalled).toBe(true);
    const clicked = applyEvent(stalled, C, ev('click'), 2000);
    expect(clicked).toMatchObject({ stalled: false, stalledAt: null, lastEngagementAt: 2000, score: 3 });
    expect(clicked.history.at(-1)).toEqual({ at: 2000, kind: 'engaged', stage: 'a', detail: 'click cleared the stall' });
  });

  it('keeps the latest engagement time when events arrive out of order', () => {
    const s = { ...fresh(), lastEngagementAt: 5000 };
    expect(applyEvent(s, C, ev('click'), 3000).lastEngagementAt).toBe(5000);
    expect(applyEvent(s, C, ev('click', { n: 2 }), 7000).lastEngagementAt).toBe(7000);
  });
});

describe('nextStallCheck', () => {
  it('counts from the later of stage entry and last engagement, then from the stall', () => {
    const s = { ...fresh(), stage: 'a', stageEnteredAt: 1000 };
    expect(nextStallCheck(C, s)).toEqual({ at: 11_000, kind: 'stall', since: 1000 });
    expect(nextStallCheck(C, { ...s, lastEngagementAt: 4000 })).toEqual({ at: 14_000, kind: 'stall', since: 4000 });
    expect(nextStallCheck(C, { ...s, lastEngagementAt: 500 })).toEqual({ at: 11_000, kind: 'stall', since: 1000 });
    expect(nextStallCheck(C, { ...s, stalled: true, stalledAt: 12_000 })).toEqual({ at: 32_000, kind: 'dormant', since: 12_000 });
  });

  it('has nothing to check without a rule, after the end, or stalled without dormancy', () => {
    expect(nextStallCheck(C, { ...fresh(), stage: 'b' })).toBeNull();
    expect(nextStallCheck(C, { ...fresh(), stage: 'a', ended: { kind: 'exited', reason: 'x', at: 1 } })).toBeNull();
    const noDormancy = campaignFromYaml(
      'id: n\nname: N\nstages:\n  a:\n    steps:\n      - send: welcome\n    stall:\n      after: 10s\n',
    );
    expect(nextStallCheck(noDormancy, { ...fresh(), stage: 'a', stalled: true, stalledAt: 5 })).toBeNull();
  });
});

describe('stage order', () => {
  it('knows each stage position, the one after it, and none after the last', () => {
    expect(['a', 'b', 'c', 'zz'].map((s) => stageIndex(C, s))).toEqual([0, 1, 2, -1]);
    expect(stageIndex(C, null)).toBe(-1);
    expect(nextStage(C, null)).toBe('a');
    expect(nextStage(C, 'a')).toBe('b');
    expect(nextStage(C, 'c')).toBeUndefined();
  });

  it('a goal moves forward only: a later stage yes, the same or an earlier one no', () => {
    const inB = { ...fresh(), stage: 'b', cursor: { root: 'steps' as const, path: [0], stepKey: null } };
    expect(goalMovesForward(C, inB, 'c')).toBe(true);
    expect(goalMovesForward(C, inB, 'b')).toBe(false);
    expect(goalMovesForward(C, inB, 'a')).toBe(false);
  });
});

describe('pushHistory', () => {
  it('keeps the newest 200 entries', () => {
    let h: HistoryEntry[] = [];
    for (let i = 0; i < 205; i++) h = pushHistory(h, { at: i, kind: 'send', stage: 'a', detail: `m${i}` });
    expect(h).toHaveLength(200);
    expect(h[0]!.detail).toBe('m5');
    expect(h.at(-1)!.detail).toBe('m204');
    const before = h;
    pushHistory(before, { at: 999, kind: 'send', stage: 'a', detail: 'x' });
    expect(before).toHaveLength(200); // pure: the input is not touched
  });
});

describe('takeEarlyMatch', () => {
  it('counts nothing before the lookback point, and nothing without one', () => {
    const s = fresh();
    s.recentEvents = [
      { id: 'e1', type: 'click', at: 100 },
      { id: 'e2', type: 'click', at: 300 },
    ];
    const wait = { stepKey: 'k', kind: 'waitFor' as const, since: 400, deadline: null, events: ['click'] };
    expect(takeEarlyMatch({ ...s, lookbackFrom: null }, wait)).toBeUndefined();
    expect(takeEarlyMatch({ ...s, lookbackFrom: 200 }, wait)).toEqual({ type: 'click', eventId: 'e2', at: 300 });
    expect(s.recentEvents[1]!.used).toBe(true);
    // Used once: the next wait does not count it again.
    expect(takeEarlyMatch({ ...s, lookbackFrom: 200 }, wait)).toBeUndefined();
    expect(takeEarlyMatch({ ...s, lookbackFrom: 0 }, { ...wait, kind: 'wait' })).toBeUndefined();
  });
});
