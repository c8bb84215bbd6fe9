// The simulator never lies: generated campaigns and event scripts run through
// `nurture campaign simulate` and through the real journey (Temporal, worker, activities,
// PostgreSQL, SMTP) must give the same timeline. `npm test` runs a quick variant;
// `npm run test:differential` runs 1,000 cases (DIFFERENTIAL_CASES, DIFFERENTIAL_SEED,
// DIFFERENTIAL_CONCURRENCY override). Every regression fixture in regressions/ runs first.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/stack.ts';
import { TIME_TOLERANCE_MS } from './compare.ts';
import { runDifferential } from './run.ts';

const CASES = Number(process.env.DIFFERENTIAL_CASES ?? 50);
const SEED = Number(process.env.DIFFERENTIAL_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = Number(process.env.DIFFERENTIAL_CONCURRENCY ?? 25);
const SHRINK_BUDGET_MS = Number(process.env.DIFFERENTIAL_SHRINK_SECONDS ?? 240) * 1000;
// Cases take up to two minutes; those that disagree run again, six at a time, then shrink.
const TIMEOUT_MS = ((CASES + 10) / CONCURRENCY) * 120_000 + 10 * 60_000 + SHRINK_BUDGET_MS;

describe('the simulator and the real journey', () => {
  let stack: TestStack;
  let campaignsDir: string;

  beforeAll(async () => {
    campaignsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-differential-'));
    stack = await startStack({
      NURTURE_CAMPAIGNS_DIR: campaignsDir,
      // Hundreds of journeys at once: the per-process limits meant for the public must not pace them.
      SMTP_RATE_PER_SECOND: '10000',
      RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0',
    });
  });
  afterAll(async () => {
    await stack?.close();
    fs.rmSync(campaignsDir, { recursive: true, force: true });
  });

  it(`agree on ${CASES} generated campaigns and event scripts`, { timeout: TIMEOUT_MS }, async () => {
    const report = await runDifferential(stack, campaignsDir, {
      cases: CASES,
      seed: SEED,
      concurrency: CONCURRENCY,
      shrinkBudgetMs: SHRINK_BUDGET_MS,
      log: (line) => console.log(line),
    });
    console.log(
      `differential: ${report.regressions} regressions + ${report.cases} cases (seed ${SEED}) in ${report.seconds} s: ` +
        `${report.disagreements.length} disagreements, ${report.disturbed} made late by the load (agreed when run again with fewer at a time), ` +
        `${report.raced} compared up to a race of two timers; entry times off by ${report.gapsMs.p50} ms median, ` +
        `${report.gapsMs.p95} ms p95, ${report.gapsMs.max} ms at most (tolerance ${TIME_TOLERANCE_MS} ms)`,
    );
    expect(report.disagreements.map((d) => d.outcome.problems)).toEqual([]);
  });
});
