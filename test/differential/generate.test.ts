// The generator's cases are what the differential test assumes: valid campaign files, scripts in
// time order, and after settling no scripted item within the margin of a timer or of another
// item. Pure (no Temporal), so a broken generator shows here before a long differential run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { campaignFile, MARGIN_MS, settle } from './case.ts';
import { diffCaseArb } from './generate.ts';

const START = Date.parse('2026-11-30T10:00:00.000Z');

describe('the differential generator', () => {
  it('makes valid campaigns and settled scripts clear of every timer', async () => {
    const cases = fc.sample(diffCaseArb(), { numRuns: 200, seed: 18 });
    const features = new Set<string>();
    for (const [i, c] of cases.entries()) {
      const { campaign } = campaignFile(c, `gen-${i}`, START);
      const ats = c.script.map((item) => item.at);
      expect(ats).toEqual([...ats].sort((a, b) => a - b));
      expect(new Set(ats).size).toBe(ats.length);

      const settled = await settle({ campaign, lead: c.lead, script: c.script }, START);
      const timers = settled.timeline.timers.map((t) => ({ at: Date.parse(t.at) - START, since: Date.parse(t.since) - START }));
      for (const item of settled.script) {
        expect(item.at).toBeGreaterThanOrEqual(MARGIN_MS);
        // Only timers pending before an item race with it; one it set itself comes after it.
        for (const t of timers.filter((t) => t.since < item.at))
          expect(Math.abs(t.at - item.at), `item at ${item.at} ms, timer at ${t.at} ms`).toBeGreaterThanOrEqual(MARGIN_MS);
      }
      if (settled.comparedBefore !== undefined) features.add('race');
      for (const item of c.script) features.add('move' in item ? 'move' : 'signup' in item ? 'signup' : item.event.type);
      for (const e of settled.timeline.entries) features.add(e.kind);
    }
    // The cases reach every kind of thing the comparison looks at.
    for (const f of [
      'send',
      'stage',
      'flag',
      'notify',
      'discount',
      'exit',
      'end',
      'move',
      'signup',
      'click',
      'purchase',
      'unsubscribe',
      'race',
    ]) {
      expect(features, f).toContain(f);
    }
  });
});
