// The shipped example campaign, run for 60 simulated days.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatErrors, parseCampaign } from '../campaign/load.ts';
import type { Campaign } from '../campaign/schema.ts';
import { describeJourney } from './query.ts';
import { formatTimeline, simulate } from './simulate.ts';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../campaigns/example.yaml');

async function example(): Promise<Campaign> {
  const r = parseCampaign(await readFile(file, 'utf8'), 'campaigns/example.yaml');
  if (!r.ok) throw new Error(formatErrors(r.errors).join('\n'));
  return r.campaign;
}

const START = '2025-01-06T14:00:00.000Z'; // Monday 09:00 in New York

describe('campaigns/example.yaml', () => {
  it('simulates 60 days of an engaged buyer quickly, through every stage', async () => {
    const campaign = await example();
    const events = [
      { at: '+2h', type: 'open' },
      { at: '+1d', type: 'click' }, // welcome clicked: on to interest
      { at: '+1d2h', type: 'open' },
      { at: '+4d2h', type: 'click' }, // tutorial clicked: on to desire
      { at: '+5d', type: 'open' },
      { at: '+9d', type: 'reply' }, // score 19
      { at: '+15d', type: 'purchase' },
      { at: '+22d', type: 'open' }, // score 20: qualified, but already a customer
      { at: '+29d', type: 'click' },
    ];
    const t0 = performance.now();
    const t = await simulate(campaign, { firstName: 'Ada' }, events, { start: START, days: 60 });
    const ms = performance.now() - t0;
    console.log(`60-day simulation of example.yaml: ${ms.toFixed(1)} ms\n${formatTimeline(t)}`);
    expect(ms).toBeLessThan(5000);
    expect(t.entries.filter((e) => e.kind === 'stage').map((e) => e.stage)).toEqual([
      'awareness',
      'interest',
      'desire',
      'action',
      'delight',
    ]);
    expect(t.entries.filter((e) => e.kind === 'send').map((e) => e.detail.split(' ')[0])).toEqual([
      'welcome',
      'faq',
      'tutorial',
      'testimonial',
      'case-study',
      'offer',
      'discount',
      'onboarding-start',
      'onboarding-tips',
      'onboarding-checkin',
      'referral',
      'review',
    ]);
    expect(t.entries.filter((e) => e.kind === 'flag').map((e) => [e.stage, e.detail.split(':')[0]])).toEqual([
      ['action', 'qualified'],
    ]);
    expect(t.entries.filter((e) => e.kind === 'notify')).toEqual([]);
    expect(t.entries.find((e) => e.detail.startsWith('discount'))?.detail).toBe('discount (code SIM15-1)');
    expect(t.result.kind).toBe('completed');
    // Every email inside weekdays 9-17 New York time.
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      weekday: 'short',
      hour: 'numeric',
      hourCycle: 'h23',
    });
    for (const e of t.entries.filter((x) => x.kind === 'send')) {
      const parts = Object.fromEntries(fmt.formatToParts(Date.parse(e.at)).map((p) => [p.type, p.value]));
      expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(parts.weekday);
      expect(Number(parts.hour)).toBeGreaterThanOrEqual(9);
      expect(Number(parts.hour)).toBeLessThan(17);
    }
  });

  it('sends pricing interest straight to the offer with a discount', async () => {
    const t = await simulate(await example(), {}, [{ at: '+1d', type: 'pricing_viewed' }], { start: START, days: 60 });
    const sent = t.entries.filter((e) => e.kind === 'send').map((e) => e.detail.split(' ')[0]);
    expect(sent.slice(0, 3)).toEqual(['welcome', 'offer', 'discount']);
    expect(t.entries.find((e) => e.kind === 'discount')?.detail).toMatch(/^SIM15-1: 15% until/);
  });

  it('a silent lead stalls, gets the re-engagement mail and goes dormant', async () => {
    const t = await simulate(await example(), {}, [], { start: START, days: 60 });
    expect(t.entries.map((e) => `${e.kind} ${e.detail.split(':')[0]}`)).toEqual([
      'stage start -> awareness',
      'send welcome',
      'send first-value',
      'flag stalled',
      'send re-engagement',
      'flag dormant',
      'end dormant',
    ]);
  });

  it('answers the journey query mid-way', async () => {
    const campaign = await example();
    const t = await simulate(campaign, {}, [], { start: START, days: 3 });
    const d = describeJourney(t.state, campaign);
    expect(d).toMatchObject({ campaignId: 'example', stage: 'awareness', score: 0, stalled: false, ended: null });
    expect(d.next).toMatchObject({ step: 'wait for open or click or reply', waiting: 'waitFor', at: null });
    expect(d.stallCheck).toEqual({ kind: 'stall', at: '2025-01-11T14:00:00.000Z' });
    expect(d.history.map((h) => h.kind)).toEqual(['stage', 'send', 'branch', 'send']);
  });
});

describe('campaigns/example.yaml across continue-as-new', () => {
  it.each([
    ['every few steps', { continueAsNewEvery: 2 }],
    ['in the middle of its waits', { continueAsNewWhileWaitingEvery: 2 }],
  ])('gives the same 60-day timeline when the journey continues as new %s', async (_when, every) => {
    const campaign = await example();
    const events = [
      { at: '+1d', type: 'click' },
      { at: '+6d', type: 'pricing_viewed' },
      { at: '+20d', type: 'purchase' },
    ];
    const straight = await simulate(campaign, {}, events, { start: START, days: 60 });
    const resumed = await simulate(campaign, {}, events, { start: START, days: 60, ...every });
    expect(resumed.runs).toBeGreaterThan(5);
    expect(resumed.entries).toEqual(straight.entries);
    expect(resumed.state).toEqual(straight.state);
  });
});
