// Runs generated cases on the real stack many at a time, runs each that disagreed again with
// few at a time (a journey made late by the load of many others is the machine, not the
// simulator), and shrinks what still disagrees to a small case: fast-check's shrink candidates
// are run a batch at a time, concurrently, and the first that still disagrees becomes the next
// case, until none does or the time budget, shared by all disagreements, is spent.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { TestStack } from '../support/stack.ts';
import { reproduction } from './case.ts';
import { diffCaseArb, type DiffCase } from './generate.ts';
import { runCase, type CaseOutcome } from './real.ts';

/** Cases running at once when a disagreement is confirmed or shrunk. */
const FEW_AT_A_TIME = 6;
const START_SPREAD_MS = 150;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REGRESSIONS_DIR = path.join(import.meta.dirname, 'regressions');
const WARM_UP: DiffCase = {
  campaign: { name: 'Warm-up', stages: { awareness: { steps: [{ send: 'welcome' }, { send: 'faq' }] } } },
  lead: {},
  script: [],
};

export interface DifferentialOptions {
  cases: number;
  seed: number;
  /** Cases running at once. */
  concurrency: number;
  /** How long shrinking may take, all disagreements together. */
  shrinkBudgetMs: number;
  log: (line: string) => void;
}

interface Disagreement {
  outcome: CaseOutcome;
  shrinkRounds: number;
}

export interface DifferentialReport {
  regressions: number;
  cases: number;
  disagreements: Disagreement[];
  /** Cases that disagreed with many at a time and agreed when run again with few. */
  disturbed: number;
  /** Cases compared only up to where a wait's deadline and the stall clock's race. */
  raced: number;
  /** The time differences of all entries: median, 95th percentile and largest. */
  gapsMs: { p50: number; p95: number; max: number };
  seconds: number;
}

/** The cases kept from disagreements found and fixed: each must agree on every run. */
function regressionCases(): Array<{ name: string; case: DiffCase }> {
  if (!fs.existsSync(REGRESSIONS_DIR)) return [];
  return fs
    .readdirSync(REGRESSIONS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const { case: c } = JSON.parse(fs.readFileSync(path.join(REGRESSIONS_DIR, f), 'utf8')) as { case: DiffCase };
      return { name: f.replace(/\.json$/, ''), case: c };
    });
}

/** The generated values with their shrink contexts, captured as fast-check draws them. */
function draw(count: number, seed: number): Array<fc.Value<DiffCase>> {
  const inner = diffCaseArb();
  const drawn: Array<fc.Value<DiffCase>> = [];
  class Capture extends fc.Arbitrary<DiffCase> {
    generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<DiffCase> {
      const v = inner.generate(mrng, biasFactor);
      drawn.push(v);
      return v;
    }
    canShrinkWithoutContext(value: unknown): value is DiffCase {
      return inner.canShrinkWithoutContext(value);
    }
    shrink(value: DiffCase, context: unknown): fc.Stream<fc.Value<DiffCase>> {
      return inner.shrink(value, context);
    }
  }
  fc.sample(new Capture(), { numRuns: count, seed });
  return drawn;
}

async function pool<T, R>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export async function runDifferential(
  stack: TestStack,
  campaignsDir: string,
  opts: DifferentialOptions,
): Promise<DifferentialReport> {
  const started = Date.now();
  const tag = `${started.toString(36)}`;
  let serial = 0;
  const run = (c: DiffCase) => runCase(stack, campaignsDir, c, `diff-${tag}-${++serial}`);

  // A fresh worker's first sends pay for opening pools and compiling templates; that is not
  // what the comparison is about, so one journey warms it up first.
  const warm = await run(WARM_UP);
  if (warm.problems.length > 0) throw new Error(`the warm-up journey failed: ${warm.problems.join('; ')}`);

  const regressions = regressionCases();
  const values = draw(opts.cases, opts.seed);
  opts.log(
    `differential: ${regressions.length} regression cases and ${values.length} generated (seed ${opts.seed}), ${opts.concurrency} at a time`,
  );
  let done = 0;
  const outcomes = await pool(
    [...regressions.map((r) => r.case), ...values.map((v) => v.value)],
    opts.concurrency,
    async (c, i) => {
      // The first batch starts spread out: a burst of signups would slow every first step.
      if (i < opts.concurrency) await sleep(i * START_SPREAD_MS);
      const o = await run(c);
      if (++done % 50 === 0) opts.log(`differential: ${done} cases run, ${(Date.now() - started) / 1000} s`);
      return o;
    },
  );

  const label = (i: number) =>
    i >= regressions.length ? `case ${i - regressions.length + 1}` : `regression ${regressions[i]!.name}`;
  const suspects = [...outcomes.keys()].filter((i) => outcomes[i]!.problems.length > 0);
  for (const i of suspects)
    opts.log(`differential: ${label(i)} disagrees with ${opts.concurrency} at a time:\n  ${outcomes[i]!.problems.join('\n  ')}`);
  const again = await pool(suspects, FEW_AT_A_TIME, (i) => run(outcomes[i]!.prepared.source));
  const confirmed: number[] = [];
  for (const [k, i] of suspects.entries()) {
    if (again[k]!.problems.length === 0) {
      opts.log(`differential: ${label(i)} agrees when run again with ${FEW_AT_A_TIME} at a time: the load made it late`);
      continue;
    }
    opts.log(`differential: ${label(i)} disagrees again with ${FEW_AT_A_TIME} at a time`);
    outcomes[i] = again[k]!;
    confirmed.push(i);
  }

  const shrinkUntil = Date.now() + opts.shrinkBudgetMs;
  const disagreements: Disagreement[] = [];
  for (const i of confirmed) {
    const value = i >= regressions.length ? values[i - regressions.length] : undefined;
    const outcome = outcomes[i]!;
    disagreements.push(value ? await shrink(value, outcome, run, shrinkUntil, opts) : { outcome, shrinkRounds: 0 });
  }
  for (const d of disagreements) {
    opts.log(
      [
        `differential: disagreement after ${d.shrinkRounds} shrink rounds:`,
        ...d.outcome.problems.map((p) => `  ${p}`),
        'simulator:',
        ...d.outcome.sim.map((e) => `  +${e.at - d.outcome.prepared.start} ms ${e.kind} [${e.stepKey ?? '-'}] ${e.detail}`),
        'workflow:',
        ...d.outcome.real.map((e) => `  +${e.at - d.outcome.prepared.start} ms ${e.kind} [${e.stepKey ?? '-'}] ${e.detail}`),
        'reproduce with:',
        reproduction(d.outcome.prepared),
        'as a regression fixture (test/differential/regressions/<name>.json):',
        JSON.stringify({ case: shrunkCase(d) }),
      ].join('\n'),
    );
  }
  return {
    regressions: regressions.length,
    cases: values.length,
    disagreements,
    disturbed: suspects.length - confirmed.length,
    raced: outcomes.filter((o) => o.raced).length,
    gapsMs: quantiles(outcomes.flatMap((o) => o.gapsMs)),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

function quantiles(values: number[]): DifferentialReport['gapsMs'] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 };
}

/** The case as the run settled it, ready to keep as a regression fixture. */
function shrunkCase(d: Disagreement): DiffCase {
  const p = d.outcome.prepared;
  return { ...p.source, script: p.script };
}

async function shrink(
  failing: fc.Value<DiffCase>,
  outcome: CaseOutcome,
  run: (c: DiffCase) => Promise<CaseOutcome>,
  until: number,
  opts: DifferentialOptions,
): Promise<Disagreement> {
  let current = { value: failing, outcome };
  let rounds = 0;
  shrinking: while (Date.now() < until) {
    const stream = diffCaseArb().shrink(current.value.value, current.value.context)[Symbol.iterator]();
    while (Date.now() < until) {
      const batch: Array<fc.Value<DiffCase>> = [];
      for (let n = stream.next(); !n.done; n = stream.next()) {
        batch.push(n.value);
        if (batch.length >= FEW_AT_A_TIME) break;
      }
      if (batch.length === 0) break shrinking;
      const results = await Promise.all(batch.map((v) => run(v.value)));
      const k = results.findIndex((r) => r.problems.length > 0);
      if (k === -1) continue;
      current = { value: batch[k]!, outcome: results[k]! };
      rounds += 1;
      opts.log(`differential: shrink round ${rounds}: ${results[k]!.problems[0]}`);
      continue shrinking;
    }
  }
  return { outcome: current.outcome, shrinkRounds: rounds };
}
