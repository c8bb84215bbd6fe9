// `npm run chaos [-- --enrolments N] [--seed S] [--concurrency C] [--settle-minutes M] [--temporal dev|prod]`: a crash
// campaign against a private stack (scripts/chaos/stack.ts). N signups (default 5,000) go
// through the real API while workers, the API and the Temporal server are killed and the SMTP
// sink misbehaves (scripts/chaos/faults.ts, sink.ts); then the faults stop, the stack settles
// (until nothing moved for M minutes), and scripts/chaos/checks.ts reads the verdict. The last line is
//   chaos: enrolled N, lost L, duplicate emails D, sent after unsubscribe U, stuck S, nondeterminism X
// and the exit code is non-zero unless every figure but N is 0. See docs/chaos.md.
// Not part of the test suite: run it under the heavy lock (flock /tmp/nurture-heavy.lock …).
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { startGuard, type Guard } from '../../bench/guard.ts';
import { check, unsettled, verdictLine } from './checks.ts';
import { createDriver, planLeads, type Driver } from './driver.ts';
import { startFaults } from './faults.ts';
import { seededRng } from './rng.ts';
import { DEFAULT_SINK_FAULTS } from './sink.ts';
import { startChaosStack, type ChaosTemporalKind } from './stack.ts';
import { wholeNumberArg } from '../args.ts';

const started = Date.now();
const log = (line: string) => console.error(`[chaos +${Math.round((Date.now() - started) / 1000)}s] ${line}`);

function options(): {
  enrolments: number;
  seed: number;
  concurrency: number;
  settleMinutes: number;
  temporal: ChaosTemporalKind;
} {
  const { values } = parseArgs({
    options: {
      enrolments: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      'settle-minutes': { type: 'string' },
      temporal: { type: 'string', default: 'dev' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run chaos -- [--enrolments N (default 5000)] [--seed S (default: random, printed)]\n' +
        '                        [--concurrency C (signups in flight, default 24)] [--settle-minutes M (default 5)]\n' +
        '                        [--temporal dev|prod (the dev server on SQLite, default; or the production-shaped server on PostgreSQL)]',
    );
    process.exit(0);
  }
  if (values.temporal !== 'dev' && values.temporal !== 'prod') {
    console.error(`--temporal: must be dev or prod (got ${values.temporal})`);
    process.exit(2);
  }
  const int = wholeNumberArg;
  return {
    enrolments: int('enrolments', values.enrolments, 5000, 10),
    seed: int('seed', values.seed, crypto.randomInt(1, 2 ** 31), 0),
    concurrency: int('concurrency', values.concurrency, 24, 1),
    settleMinutes: int('settle-minutes', values['settle-minutes'], 5, 0),
    temporal: values.temporal,
  };
}

const cleanups: Array<() => Promise<void>> = [];
async function cleanup(): Promise<void> {
  process.on('uncaughtException', (err) => log(`while cleaning up: ${err.message}`));
  process.on('unhandledRejection', (err) => log(`while cleaning up: ${err instanceof Error ? err.message : String(err)}`));
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      log(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

let guard: Guard | undefined;

async function main(): Promise<{ code: number; output: string }> {
  const opts = options();
  log(
    `seed ${opts.seed}, ${opts.enrolments} enrolments, Temporal ${opts.temporal} (rerun with --seed ${opts.seed} --enrolments ${opts.enrolments} --temporal ${opts.temporal})`,
  );
  const rng = seededRng(opts.seed);
  const plans = planLeads(opts.enrolments, opts.seed, rng);
  const refuse = new Set(plans.filter((p) => p.refused).map((p) => p.email));
  log(
    `plan: ${plans.filter((p) => !p.eventId).length} signups without eventId, ${plans.filter((p) => p.copies > 1).length} delivered 2-3 times at once, ` +
      `${plans.filter((p) => p.repeatLater).length} repeated later, ${refuse.size} addresses refused (550), ` +
      `${plans.filter((p) => p.unsubscribe === 'one-click').length} one-click and ${plans.filter((p) => p.unsubscribe === 'event').length} events-API unsubscribes`,
  );
  log(`sink faults: ${JSON.stringify(DEFAULT_SINK_FAULTS)}`);

  guard = await startGuard();
  // The sink reports messages to the driver, which needs the stack's API URL: tied after both exist.
  const onMessage: { to?: Driver['onMessage'] } = {};
  const stack = await startChaosStack(
    log,
    (fn) => cleanups.push(fn),
    guard,
    {
      refuse,
      rates: DEFAULT_SINK_FAULTS,
      rng,
      onMessage: (m) => onMessage.to?.(m.to, m.unsubscribeUrl),
    },
    opts.temporal,
  );
  log(`logs: ${stack.logDir}`);
  const driver = createDriver({
    apiUrl: stack.apiUrl,
    secret: stack.config.WEBHOOK_SECRET[0]!,
    plans,
    concurrency: opts.concurrency,
    rng,
    log,
  });
  onMessage.to = driver.onMessage;

  const faults = startFaults(stack, rng, () => driver.done() / plans.length, log);
  const progress = setInterval(
    () => log(`signups sent ${driver.done()}/${plans.length}, emails kept by the sink ${stack.sink.messages().length}`),
    15_000,
  );
  const outcomes = await driver.run();
  clearInterval(progress);
  // The faults go on while most journeys still have their second email ahead (at most
  // --settle-minutes more), so that the backlog the traffic left is worked off under faults too.
  const faultsUntil = Date.now() + opts.settleMinutes * 60_000;
  const enrolledSoFar = outcomes.filter((o) => o.enrolled).length;
  for (;;) {
    // Temporal may be down for a moment (one of the faults): ask again later.
    const running = await unsettled(stack.db, stack.temporal).then(
      (u) => u.running,
      () => Infinity,
    );
    if (running <= enrolledSoFar / 10 || Date.now() > faultsUntil) break;
    log(`traffic done, faults go on: ${running} journeys running`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
  log('stopping the faults');
  await faults.stop();
  await stack.idle();
  stack.sink.setFaults(false);

  // Settled: nothing left, or nothing moved for --settle-minutes. A backlog still being worked
  // off is slow, not stuck, so the wait goes on while the counts change.
  let last = '';
  let movedAt = Date.now();
  for (;;) {
    const u = await unsettled(stack.db, stack.temporal);
    const now = `${u.running}/${u.claimed}/${u.open}`;
    if (now !== last) [last, movedAt] = [now, Date.now()];
    if ((u.running === 0 && u.claimed === 0 && u.open === 0) || Date.now() - movedAt > opts.settleMinutes * 60_000) {
      log(`settled: ${u.running} journeys running, ${u.claimed} sends claimed, ${u.open} enrollments pending/active`);
      break;
    }
    log(`settling: ${u.running} journeys running, ${u.claimed} sends claimed, ${u.open} enrollments pending/active`);
    await new Promise((r) => setTimeout(r, 10_000));
  }

  const verdict = await check({
    outcomes,
    sink: stack.sink.messages(),
    kills: stack.kills,
    db: stack.db,
    temporal: stack.temporal,
    logDir: stack.logDir,
  });
  const rejected = outcomes.filter((o) => o.refusals.length > 0);
  const c = stack.sink.counts();
  const output = [
    `seed ${opts.seed}, ${opts.enrolments} enrolments, ${Math.round((Date.now() - started) / 1000)} s`,
    `faults: ${faults.counts.workerKills} random worker kills, ${c.gapKills} gap kills (${faults.counts.gapKillsArmed} armed), ` +
      `${faults.counts.apiRestarts} API restarts, ${faults.counts.temporalKills} Temporal kill(s)`,
    `sink: ${stack.sink.messages().length} messages kept; ${c.deferredRcpt} × 451 at RCPT, ${c.refusedRcpt} × 550, ` +
      `${c.closedAfterData} × 421 after DATA, ${c.resetAfterData} resets after DATA, ${c.slowData} slow answers`,
    `sender: ${driver.counts.requests} requests, ${driver.counts.retried} retries, ${driver.counts.networkErrors} network errors, ${driver.counts.gaveUp} given up, by status ${JSON.stringify(driver.counts.byStatus)}`,
    ...rejected.slice(0, 10).map((o) => `not answered 2xx: lead #${o.plan.index}: ${o.refusals.join('; ')}`),
    ...verdict.report,
    verdictLine(verdict.figures),
  ].join('\n');
  const f = verdict.figures;
  return { code: f.lost + f.duplicates + f.sentAfterUnsubscribe + f.stuck + f.nondeterminism === 0 ? 0 : 1, output };
}

// Ctrl-C or a kill: undo what was set up (bench/guard.ts is the net if even this is cut short).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up…`);
    void cleanup().finally(() => {
      guard?.done();
      process.exit(130);
    });
  });
}

main().then(
  async ({ code, output }) => {
    await cleanup();
    guard?.done();
    // After the cleanup's own lines, so that the verdict is the last line.
    console.log(output);
    process.exit(code);
  },
  async (err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanup();
    process.exit(2);
  },
);
