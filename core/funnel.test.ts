import { describe, expect, it } from 'vitest';
import {
  buildFunnel,
  formatRate,
  formatSeconds,
  median,
  orderStages,
  stageStays,
  type FunnelInput,
  type StageStats,
} from './funnel.ts';

const stat = (
  stage: string,
  stays: number,
  medianSeconds: number | null = null,
  meanOffsetSeconds: number | null = null,
): StageStats => ({
  stage,
  stays: medianSeconds === null ? 0 : stays,
  medianSeconds,
  meanOffsetSeconds,
});

const input = (over: Partial<FunnelInput> = {}): FunnelInput => ({
  campaignId: 'c',
  from: new Date('2025-01-01T00:00:00Z'),
  to: new Date('2025-02-01T00:00:00Z'),
  declaredStages: ['awareness', 'interest', 'desire', 'action'],
  enrolled: 10,
  stageStats: [stat('awareness', 10, 3600), stat('interest', 6, 7200), stat('desire', 3), stat('action', 1)],
  // 4 stayed in awareness, 3 stopped in interest, 2 in desire; one purchase jumped from
  // interest straight to action (a goal) and still counts as having passed desire.
  paths: [
    { stages: ['awareness'], count: 4 },
    { stages: ['awareness', 'interest'], count: 3 },
    { stages: ['awareness', 'desire', 'interest'], count: 2 },
    { stages: ['action', 'awareness', 'interest'], count: 1 },
  ],
  current: [
    { stage: 'awareness', active: 3, stalled: 2, lost: 1, completed: 0 },
    { stage: 'interest', active: 3, stalled: 1, lost: 0, completed: 0 },
    { stage: 'desire', active: 2, stalled: 0, lost: 0, completed: 0 },
    { stage: 'action', active: 0, stalled: 0, lost: 0, completed: 1 },
  ],
  ...over,
});

describe('buildFunnel', () => {
  it('counts leads that reached each stage or a later one, with conversion and drop-off', () => {
    const f = buildFunnel(input());
    expect(f.stages.map((s) => [s.stage, s.reached, s.entered])).toEqual([
      ['awareness', 10, 10],
      ['interest', 6, 6],
      ['desire', 3, 2],
      ['action', 1, 1],
    ]);
    expect(f.stages.map((s) => s.conversion)).toEqual([0.6, 0.5, 1 / 3, null]);
    expect(f.stages.map((s) => s.dropOff)).toEqual([4, 3, 2, null]);
    expect(f.stages[0]!.dropOffRate).toBeCloseTo(0.4);
    expect(f.stages[3]!.dropOffRate).toBeNull();
    expect(f.overallConversion).toBeCloseTo(0.1);
    expect(f.stages.map((s) => s.shareOfEnrolled)).toEqual([1, 0.6, 0.3, 0.1]);
  });

  it('counts a lead a goal moved past a stage as having reached it', () => {
    const f = buildFunnel(input({ paths: [{ stages: ['awareness', 'action'], count: 5 }], enrolled: 5 }));
    expect(f.stages.map((s) => s.reached)).toEqual([5, 5, 5, 5]);
    expect(f.stages.map((s) => s.entered)).toEqual([5, 0, 0, 5]);
    expect(f.stages.map((s) => s.conversion)).toEqual([1, 1, 1, null]);
  });

  it('carries stalls, current leads and medians per stage', () => {
    const f = buildFunnel(input());
    expect(f.stages.map((s) => s.stalled)).toEqual([2, 1, 0, 0]);
    expect(f.stages.map((s) => s.current)).toEqual([3, 3, 2, 0]);
    expect(f.stages.map((s) => s.medianSecondsInStage)).toEqual([3600, 7200, null, null]);
    expect(f.stages.map((s) => s.medianSamples)).toEqual([10, 6, 0, 0]);
    expect(f.totals).toEqual({ current: 8, stalled: 3, lost: 1, completed: 1 });
  });

  it('shows declared stages nobody reached, with no rate to divide by', () => {
    const f = buildFunnel(input({ enrolled: 0, stageStats: [], paths: [], current: [] }));
    expect(f.stages.map((s) => s.stage)).toEqual(['awareness', 'interest', 'desire', 'action']);
    expect(f.stages.every((s) => s.reached === 0)).toBe(true);
    expect(f.stages[0]!.conversion).toBeNull();
    expect(f.stages[0]!.shareOfEnrolled).toBeNull();
    expect(f.overallConversion).toBeNull();
  });

  it('appends stages only the history knows, by when leads reach them', () => {
    const f = buildFunnel(
      input({
        declaredStages: [],
        enrolled: 3,
        stageStats: [stat('desire', 1, null, 500), stat('awareness', 3, null, 0), stat('interest', 2, null, 100)],
        paths: [
          { stages: ['awareness'], count: 1 },
          { stages: ['awareness', 'interest'], count: 1 },
          { stages: ['awareness', 'desire', 'interest'], count: 1 },
        ],
        current: [],
      }),
    );
    expect(f.stages.map((s) => [s.stage, s.reached, s.declared])).toEqual([
      ['awareness', 3, false],
      ['interest', 2, false],
      ['desire', 1, false],
    ]);
  });
});

describe('orderStages', () => {
  it('keeps campaign order and puts unknown stages after it', () => {
    expect(orderStages(['a', 'b'], [stat('z', 1, null, 10), stat('b', 1), stat('y', 1, null, 5), stat('x', 1)])).toEqual([
      'a',
      'b',
      'y',
      'z',
      'x',
    ]);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('stageStays', () => {
  it('closes each stay at the next stage change and leaves the last one open', () => {
    const t = (h: number) => new Date(Date.UTC(2025, 0, 1, h));
    const stays = stageStays(
      [
        { toStage: 'interest', occurredAt: t(5) },
        { toStage: 'awareness', occurredAt: t(0) },
      ],
      t(8),
    );
    expect(stays).toEqual([
      { stage: 'awareness', since: t(0), seconds: 5 * 3600, open: false },
      { stage: 'interest', since: t(5), seconds: 3 * 3600, open: true },
    ]);
  });
});

describe('formatting', () => {
  it('writes rates and durations the way a marketer reads them', () => {
    expect(formatRate(0.625)).toBe('62.5%');
    expect(formatRate(null)).toBe('–');
    expect(formatSeconds(3 * 86_400 + 4 * 3600 + 59)).toBe('3d 4h');
    expect(formatSeconds(2 * 86_400)).toBe('2d');
    expect(formatSeconds(5 * 3600 + 600)).toBe('5h 10m');
    expect(formatSeconds(42)).toBe('42s');
    expect(formatSeconds(null)).toBe('–');
  });
});
