import { describe, expect, it } from 'vitest';
import { fastFunnel } from './fixtures.ts';
import { applyEvent, newJourneyState, receiveEvent, SEEN_EVENT_LIMIT, type JourneyEvent, type JourneyState } from './state.ts';

const campaign = fastFunnel();
const T0 = Date.parse('2025-01-06T09:00:00Z');
const fresh = (over: Partial<JourneyState> = {}): JourneyState => ({
  ...newJourneyState({ campaign, lead: { id: 'l1', email: 'l1@example.com' }, now: T0 }),
  stage: 'awareness',
  cursor: { root: 'steps', path: [1], stepKey: '2:awareness.steps[1]' },
  ...over,
});
const ev = (type: string, id = `${type}-1`, data?: Record<string, unknown>): JourneyEvent => ({
  id,
  type,
  occurredAt: T0,
  ...(data ? { data } : {}),
});

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

describe('applyEvent', () => {
  it('is pure: the input state is not touched', () => {
    const before = deepFreeze(fresh());
    const after = applyEvent(before, campaign, ev('click'), T0 + 1000);
    expect(after).not.toBe(before);
    expect(before.score).toBe(0);
    expect(after.score).toBe(3);
    expect(after.lastEngagementAt).toBe(T0 + 1000);
  });

  it('ignores a duplicate event id, returning the same state', () => {
    const once = applyEvent(fresh(), campaign, ev('click', 'e1'), T0);
    expect(applyEvent(once, campaign, ev('click', 'e1'), T0 + 5)).toBe(once);
    expect(once.score).toBe(3);
  });

  it('remembers a bounded number of event ids, newest kept', () => {
    let s = fresh();
    for (let i = 0; i < SEEN_EVENT_LIMIT + 10; i++) s = applyEvent(s, campaign, ev('delivered', `d${i}`), T0);
    expect(s.seenEventIds).toHaveLength(SEEN_EVENT_LIMIT);
    expect(s.seenEventIds.at(-1)).toBe(`d${SEEN_EVENT_LIMIT + 9}`);
    expect(applyEvent(s, campaign, ev('click', `d${SEEN_EVENT_LIMIT + 9}`), T0)).toBe(s);
  });

  it('an exit event marks the exit and scores nothing', () => {
    const s = applyEvent(fresh(), campaign, ev('complaint'), T0);
    expect(s.pendingExit).toBe('complaint');
    expect(s.score).toBe(0);
  });

  it('clears a stall on engagement, but not on a non-engagement event', () => {
    const stalled = fresh({ stalled: true, stalledAt: T0 });
    expect(applyEvent(stalled, campaign, ev('delivered'), T0).stalled).toBe(true);
    const engaged = applyEvent(stalled, campaign, ev('open'), T0 + 1);
    expect(engaged.stalled).toBe(false);
    expect(engaged.history.at(-1)?.detail).toBe('open cleared the stall');
  });

  it('sets a pending goal only when it moves the lead forward', () => {
    expect(applyEvent(fresh(), campaign, ev('purchase'), T0).pendingGoal).toEqual({ stage: 'action', reason: 'goal: purchase' });
    expect(applyEvent(fresh({ stage: 'delight' }), campaign, ev('purchase'), T0).pendingGoal).toBeNull();
  });

  it('crosses the qualification threshold once', () => {
    let s = applyEvent(fresh(), campaign, ev('reply', 'r1'), T0);
    expect(s).toMatchObject({ score: 10, qualified: true, qualificationPending: true });
    s = { ...s, qualificationPending: false };
    s = applyEvent(s, campaign, ev('reply', 'r2'), T0);
    expect(s).toMatchObject({ score: 20, qualified: true, qualificationPending: false });
  });

  it('records the first matching event on a waitFor, also while it is interrupted', () => {
    const wait = { stepKey: 'k', kind: 'waitFor' as const, since: T0, deadline: null, events: ['click'] };
    const direct = applyEvent(fresh({ wait }), campaign, ev('click', 'c1'), T0 + 5);
    expect(direct.wait?.matched).toEqual({ type: 'click', eventId: 'c1', at: T0 + 5 });
    const second = applyEvent(direct, campaign, ev('click', 'c2'), T0 + 9);
    expect(second.wait?.matched?.eventId).toBe('c1');
    const paused = fresh({ interrupted: { cursor: { root: 'steps', path: [1], stepKey: 'k' }, wait }, wait: null });
    expect(applyEvent(paused, campaign, ev('click'), T0).interrupted?.wait?.matched?.type).toBe('click');
  });

  it('ignores everything once the journey has ended', () => {
    const ended = fresh({ ended: { kind: 'exited', reason: 'unsubscribe', at: T0 } });
    expect(applyEvent(ended, campaign, ev('click'), T0)).toBe(ended);
  });
});

describe('receiveEvent', () => {
  it('updates the host-held object in place and says whether the event was new', () => {
    const s = fresh();
    expect(receiveEvent(s, campaign, ev('click', 'x'), T0)).toBe(true);
    expect(receiveEvent(s, campaign, ev('click', 'x'), T0)).toBe(false);
    expect(s.score).toBe(3);
  });
});
