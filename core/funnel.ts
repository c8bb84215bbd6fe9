// Funnel math, pure: turns per-stage aggregates (counted in PostgreSQL from stage_changes and
// enrollments) into the funnel a marketer reads: leads that reached each stage, conversion
// between consecutive stages, drop-off, median time in stage and stalls. The SQL only counts;
// every ratio and every ordering decision is made here, so the dashboard, the JSON API and
// `nurture report funnel` cannot disagree.

/** What the stage history says about one stage, for the enrollments in the period. */
export interface StageStats {
  stage: string;
  /** Completed stays (the lead moved on afterwards): the sample behind the median. */
  stays: number;
  medianSeconds: number | null;
  /** Mean time from enrollment to entering the stage: orders stages no campaign file declares. */
  meanOffsetSeconds: number | null;
}

/** How many enrollments reached exactly this set of stages (in any order). */
export interface PathCount {
  stages: string[];
  count: number;
}

/** Where the enrollments in the period are now (enrollments.stage and status). */
export interface CurrentStats {
  stage: string | null;
  active: number;
  stalled: number;
  /** Ended in this stage without finishing: dormant or exited. */
  lost: number;
  completed: number;
}

export interface FunnelInput {
  campaignId: string;
  from: Date;
  to: Date;
  /** Stage order from the campaign file; empty when the campaign has no file. */
  declaredStages: readonly string[];
  /** Enrollments in the period (the cohort), whether or not they reached a stage yet. */
  enrolled: number;
  stageStats: StageStats[];
  paths: PathCount[];
  current: CurrentStats[];
}

export interface FunnelStage {
  stage: string;
  /** False for a stage found in the history but not in the campaign file (renamed or removed). */
  declared: boolean;
  /** Leads that reached this stage or any later one: a lead a goal moved past it still passed it. */
  reached: number;
  /** Leads with a recorded entry into this stage (fewer than reached when goals skip it). */
  entered: number;
  /** reached / enrolled. */
  shareOfEnrolled: number | null;
  /** reached(next) / reached(this); null for the last stage or when nobody reached this one. */
  conversion: number | null;
  /** reached(this) - reached(next): stopped here so far (still here, stalled or lost). */
  dropOff: number | null;
  dropOffRate: number | null;
  medianSecondsInStage: number | null;
  medianSamples: number;
  /** Active enrollments sitting in this stage now, and how many of them are stalled. */
  current: number;
  stalled: number;
  lost: number;
}

export interface FunnelReport {
  campaignId: string;
  from: string;
  to: string;
  enrolled: number;
  stages: FunnelStage[];
  /** reached(last) / reached(first). */
  overallConversion: number | null;
  totals: { current: number; stalled: number; lost: number; completed: number };
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/**
 * Declared stages first, in campaign order (all of them, so an empty stage shows as empty);
 * then stages only the history knows, by when leads typically reach them.
 */
export function orderStages(declared: readonly string[], stats: readonly StageStats[]): string[] {
  const known = new Set(declared);
  const extra = stats
    .filter((s) => !known.has(s.stage))
    .sort((a, b) => (a.meanOffsetSeconds ?? Infinity) - (b.meanOffsetSeconds ?? Infinity) || a.stage.localeCompare(b.stage))
    .map((s) => s.stage);
  return [...declared, ...extra];
}

export function buildFunnel(input: FunnelInput): FunnelReport {
  const order = orderStages(input.declaredStages, input.stageStats);
  const index = new Map(order.map((s, i) => [s, i]));
  // furthest[i]: enrollments whose furthest stage (in funnel order) is order[i].
  const furthest = new Array<number>(order.length).fill(0);
  const entered = new Array<number>(order.length).fill(0);
  for (const path of input.paths) {
    const idx = path.stages.map((s) => index.get(s) ?? -1);
    for (const i of new Set(idx)) if (i >= 0) entered[i]! += path.count;
    const last = Math.max(-1, ...idx);
    if (last >= 0) furthest[last]! += path.count;
  }
  const reached = new Array<number>(order.length).fill(0);
  for (let i = order.length - 1, sum = 0; i >= 0; i--) reached[i] = sum += furthest[i]!;

  const stats = new Map(input.stageStats.map((s) => [s.stage, s]));
  const current = new Map(input.current.map((c) => [c.stage, c]));
  const declared = new Set(input.declaredStages);
  const stages = order.map((stage, i): FunnelStage => {
    const here = reached[i]!;
    const next = i + 1 < order.length ? reached[i + 1]! : null;
    const s = stats.get(stage);
    const c = current.get(stage);
    return {
      stage,
      declared: declared.has(stage),
      reached: here,
      entered: entered[i]!,
      shareOfEnrolled: ratio(here, input.enrolled),
      conversion: next === null ? null : ratio(next, here),
      dropOff: next === null ? null : here - next,
      dropOffRate: next === null ? null : ratio(here - next, here),
      medianSecondsInStage: s?.medianSeconds ?? null,
      medianSamples: s?.stays ?? 0,
      current: c?.active ?? 0,
      stalled: c?.stalled ?? 0,
      lost: c?.lost ?? 0,
    };
  });
  const sum = (f: (c: CurrentStats) => number) => input.current.reduce((n, c) => n + f(c), 0);
  return {
    campaignId: input.campaignId,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    enrolled: input.enrolled,
    stages,
    overallConversion: stages.length > 1 ? ratio(stages[stages.length - 1]!.reached, stages[0]!.reached) : null,
    totals: {
      current: sum((c) => c.active),
      stalled: sum((c) => c.stalled),
      lost: sum((c) => c.lost),
      completed: sum((c) => c.completed),
    },
  };
}

/** The middle value, or the mean of the two middle values (as PostgreSQL's percentile_cont(0.5)). */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * One journey's stays, from its stage changes: each change opens a stay in its stage that the
 * next change closes. The last stay is open (`seconds` so far, `open: true`).
 */
export function stageStays(
  changes: ReadonlyArray<{ toStage: string; occurredAt: Date }>,
  now: Date,
): Array<{ stage: string; since: Date; seconds: number; open: boolean }> {
  const sorted = [...changes].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  return sorted.map((c, i) => {
    const end = sorted[i + 1]?.occurredAt;
    return {
      stage: c.toStage,
      since: c.occurredAt,
      seconds: ((end ?? now).getTime() - c.occurredAt.getTime()) / 1000,
      open: end === undefined,
    };
  });
}

/** `62.5%`, or `–` when there is nothing to divide. */
export function formatRate(r: number | null, digits = 1): string {
  return r === null ? '–' : `${(r * 100).toFixed(digits)}%`;
}

/** A duration the way a marketer says it: `3d 4h`, `5h 10m`, `42s`. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}
