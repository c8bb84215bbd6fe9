// What the simulator models around the journey, as the real effects decide it (each of these
// was a disagreement with the real workflow; test/differential keeps them honest).
import { describe, expect, it } from 'vitest';
import { campaignFromYaml } from '../../test/fixtures/campaigns.ts';
import { scriptedEventsSchema, simulate, type Timeline } from './simulate.ts';

const START = Date.parse('2025-01-06T09:00:00.000Z');
const lines = (t: Timeline) => t.entries.map((e) => `+${(Date.parse(e.at) - START) / 1000}s ${e.kind} ${e.detail}`);

describe('simulate: the world around the journey', () => {
  it('suppresses the address after an unsubscribe even when the campaign does not exit on it', async () => {
    const c = campaignFromYaml(`
id: s
name: S
exitOn: [complaint]
stages:
  a:
    steps:
      - send: welcome
      - wait: 10s
      - send: faq
`);
    const t = await simulate(c, {}, [{ at: '+5s', type: 'unsubscribe' }], { start: START });
    expect(lines(t)).toEqual([
      '+0s stage start -> a: enrolled',
      '+0s send welcome',
      '+10s exit exited: faq suppressed: suppressed: unsubscribed',
    ]);
  });

  it('counts its own sends against the frequency cap and retries a capped send a minute later', async () => {
    const c = campaignFromYaml(`
id: f
name: F
frequencyCap: { max: 1, per: 30s }
stages:
  a:
    steps:
      - send: welcome
      - wait: 5s
      - send: faq
`);
    const t = await simulate(c, {}, [], { start: START });
    expect(lines(t)).toEqual([
      '+0s stage start -> a: enrolled',
      '+0s send welcome',
      '+65s send faq',
      '+65s end completed: finished the last stage (a)',
    ]);
    expect(t.state.history.map((h) => h.kind)).toContain('deferred');
  });

  it('issues one discount code per lead and campaign: a second discount step gets the first', async () => {
    const c = campaignFromYaml(`
id: d
name: D
stages:
  a:
    steps:
      - discount: { percent: 10, validFor: 1m }
      - wait: 10s
      - discount: { percent: 20, validFor: 1h }
      - send: offer
`);
    const t = await simulate(c, {}, [], { start: START });
    expect(t.entries.filter((e) => e.kind === 'discount').map((e) => e.detail)).toEqual([
      'SIM10-1: 10% until 2025-01-06T09:01:00.000Z',
      'SIM10-1: 10% until 2025-01-06T09:01:00.000Z (issued before)',
    ]);
    expect(t.entries.find((e) => e.kind === 'send')?.detail).toBe('offer (code SIM10-1)');
  });

  it('starts an ended journey over on a signup only when the campaign allows re-enrollment and the address is not suppressed', async () => {
    const yaml = (allow: boolean) => `
id: r
name: R
allowReenrollment: ${allow}
stages:
  a:
    steps:
      - send: welcome
`;
    const script = [
      { at: '+5s', signup: true as const },
      { at: '+10s', type: 'unsubscribe' },
      { at: '+20s', signup: true as const },
    ];
    const again = await simulate(campaignFromYaml(yaml(true)), {}, script, { start: START });
    expect(lines(again)).toEqual([
      '+0s stage start -> a: enrolled',
      '+0s send welcome',
      '+0s end completed: finished the last stage (a)',
      '+5s stage start -> a: enrolled',
      '+5s send welcome',
      '+5s end completed: finished the last stage (a)',
    ]);
    // The signup at +20s comes after the unsubscribe: the signup webhook enrolls no suppressed address.
    expect(again.runs).toBe(2);
    // Step keys carry the enrollment's start, as the workflow's do, so they never repeat.
    expect(again.entries.filter((e) => e.kind === 'send').map((e) => e.stepKey)).toEqual([
      `r${START}/2:a.steps[0]`,
      `r${START + 5000}/2:a.steps[0]`,
    ]);
    const once = await simulate(campaignFromYaml(yaml(false)), {}, script, { start: START });
    expect(once.runs).toBe(1);
    expect(once.entries.at(-1)?.detail).toBe('completed: finished the last stage (a)');
  });

  it('ignores a repeated event id also when the lead has enrolled again since its first delivery', async () => {
    const c = campaignFromYaml(`
id: d
name: D
allowReenrollment: true
exitOn: [not_interested]
stages:
  a:
    steps:
      - wait: 1h
`);
    // The events webhook records each id once: the second e1 is a redelivery of the first,
    // which came while no journey ran, and the re-enrolled journey never hears it.
    const script = [
      { at: '+2h', type: 'not_interested', id: 'e1' },
      { at: '+3h', signup: true as const },
      { at: '+3h30m', type: 'not_interested', id: 'e1' },
    ];
    const t = await simulate(c, {}, script, { start: START, days: 1 });
    expect(lines(t).at(-1)).toBe('+14400s end completed: finished the last stage (a)');
    const fresh = await simulate(c, {}, [...script.slice(0, 2), { ...script[2]!, id: 'e2' }], { start: START, days: 1 });
    expect(lines(fresh).at(-1)).toBe('+12600s exit exited: not_interested');
  });

  it('moves the lead by hand as the dashboard does, ignoring a stage the campaign lacks', async () => {
    const c = campaignFromYaml(`
id: m
name: M
stages:
  a: { steps: [{ send: welcome }, { waitFor: click }] }
  b: { steps: [{ send: faq }, { waitFor: click }] }
`);
    const t = await simulate(
      c,
      {},
      [
        { at: '+5s', move: 'nowhere' },
        { at: '+8s', move: 'b', reason: 'asked for it' },
        { at: '+9s', move: 'a' },
      ],
      {
        start: START,
        days: 1,
      },
    );
    expect(lines({ ...t, entries: t.entries.filter((e) => e.kind === 'stage') })).toEqual([
      '+0s stage start -> a: enrolled',
      '+8s stage a -> b: asked for it',
      '+9s stage b -> a: moved by hand',
    ]);
  });

  it('lists every deadline pending while the journey waited, also one an event came before', async () => {
    const c = campaignFromYaml(`
id: t
name: T
stages:
  a:
    stall:
      after: 5s
    steps:
      - waitFor: click
        within: 10s
      - wait: 3s
`);
    const t = await simulate(c, {}, [{ at: '+4s', type: 'click' }], { start: START });
    // The click at 4 s restarts the stall clock: 4 s + 5 s.
    expect(t.timers.map((x) => `${x.kind} ${(Date.parse(x.at) - START) / 1000}`)).toEqual([
      'waitFor 10',
      'stall 5',
      'wait 7',
      'stall 9',
    ]);
  });

  it('validates moves and signups in a script', () => {
    expect(
      scriptedEventsSchema.safeParse([
        { at: '+1d', move: 'b' },
        { at: '+2d', signup: true },
      ]).success,
    ).toBe(true);
    expect(scriptedEventsSchema.safeParse([{ at: '+1d', move: '' }]).success).toBe(false);
    expect(scriptedEventsSchema.safeParse([{ at: '+1d', signup: false }]).success).toBe(false);
  });
});
