// `npm run bench [-- --leads N] [--concurrency C] [--cache W]` (or BENCH_LEADS): enrolls N leads into a
// one-email campaign against a private Temporal dev server, PostgreSQL database and SMTP inbox,
// and prints, from the same run:
//   - Nurture: signup webhooks accepted per second (202s) and welcome emails delivered per second;
//   - the engine's ceiling: bare workflows started per second and their one no-op activity run
//     per second, on the same worker; and the ratios. Both go through the same client and
//     worker, so both pay for payload encryption (infra/payload-codec.ts): like for like;
//   - the worker's RSS with N journeys asleep versus N/10.
// The worker runs in a child process (bench/worker.ts), a fresh one per round, so its RSS
// and peak RSS (VmHWM) belong to that round alone. Not part of the test suite.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { WorkerChild } from './child.ts';
import { childPids, startCpuMeter } from './cpu.ts';
import { startGuard, type Guard } from './guard.ts';
import { sleep, stopping } from './measure.ts';
import { printReport, type MemoryRound } from './report.ts';
import { baselineRound, nurtureRound, readMemory, waitQuiet, waitRunningJourneys, warmUp } from './rounds.ts';
import { startBenchStack, type BenchStack } from './stack.ts';
import { wholeNumberArg } from '../scripts/args.ts';

const log = (line: string) => console.error(`[bench] ${line}`);
let temporalPids: number[] = [];
let guard: Guard | undefined;

/** Seconds the worker is left idle before its memory is read: V8 hands memory back lazily. */
const SETTLE_MS = 10_000;

function options(): { leads: number; concurrency: number; cache?: number } {
  const { values } = parseArgs({
    options: {
      leads: { type: 'string' },
      concurrency: { type: 'string' },
      cache: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run bench -- [--leads N (default 2000, or BENCH_LEADS)] [--concurrency C (default 64)]\n' +
        "                        [--cache W (the worker's WORKER_MAX_CACHED_WORKFLOWS; default: its configured value)]",
    );
    process.exit(0);
  }
  const int = wholeNumberArg;
  return {
    leads: int('leads', values.leads ?? process.env.BENCH_LEADS, 2000, 10),
    concurrency: int('concurrency', values.concurrency, 64, 1),
    cache: values.cache === undefined ? undefined : int('cache', values.cache, 0, 0),
  };
}

// Everything started registers its undo here; run in reverse on success, failure or Ctrl-C.
const cleanups: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | undefined;
let cleanupFailed = false;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    stopping.abort();
    // Requests still in flight fail as their clients close (gRPC retries throw from timers):
    // expected while tearing down, and no reason to skip the rest (say, dropping the database).
    process.on('uncaughtException', (err) => log(`while cleaning up: ${err.message}`));
    process.on('unhandledRejection', (err) => log(`while cleaning up: ${err instanceof Error ? err.message : String(err)}`));
    while (cleanups.length) {
      try {
        await cleanups.pop()!();
      } catch (err) {
        cleanupFailed = true;
        log(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return cleaning;
}
// Set-up in flight when a signal arrives is let finish (briefly), so that what it creates,
// such as the database, has registered its cleanup before the cleanup runs.
let settingUp: Promise<unknown> = Promise.resolve();
let interrupted = false;
let interruptedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) {
      // tsx relays the terminal's Ctrl-C once more when we are slow to acknowledge it: not a
      // second press. A real second press gives up on a tidy exit (the guard still tidies).
      if (Date.now() - interruptedAt < 2000) return;
      process.exit(130);
    }
    interrupted = true;
    interruptedAt = Date.now();
    log(`${signal}: stopping and cleaning up…`);
    void Promise.race([settingUp.catch(() => {}), sleep(60_000)])
      .then(cleanup)
      .then(() => finished())
      .finally(() => process.exit(130));
  });
}

/** Tells the guard it has nothing to do, unless some cleanup step failed: then it retries. */
function finished(): void {
  if (!cleanupFailed) guard?.done();
}

async function withWorker<T>(stack: BenchStack, label: string, fn: (child: WorkerChild) => Promise<T>): Promise<T> {
  const child = await WorkerChild.spawn(stack.workerEnv, (pid) => guard?.pid(pid));
  const stop = () => child.stop();
  cleanups.push(stop);
  try {
    await warmUp(stack, child, label);
    return await fn(child);
  } finally {
    const i = cleanups.indexOf(stop);
    if (i >= 0) cleanups.splice(i, 1);
    await stop();
  }
}

/**
 * A Nurture round on a fresh worker: throughput, then memory once every journey sleeps.
 * `asleepBefore`: journeys of earlier rounds, still asleep in Temporal (not in this worker).
 */
async function memoryRound(stack: BenchStack, n: number, concurrency: number, label: string, asleepBefore: number) {
  return withWorker(stack, label, async (child) => {
    const idle = await readMemory(child);
    log(`${label}: ${n} signups over HTTP…`);
    const cpu = startCpuMeter(child.pid, temporalPids);
    const throughput = await nurtureRound(stack, n, concurrency, label);
    const cpuUse = cpu();
    const { activityFailures, firstFailure } = await child.status();
    log(
      `${label}: ${n} accepted in ${throughput.acceptSeconds.toFixed(1)} s, ${n} welcome emails in ${throughput.effectSeconds.toFixed(1)} s`,
    );
    await waitQuiet(child);
    const running = await waitRunningJourneys(stack, asleepBefore + n);
    await sleep(SETTLE_MS);
    const asleep = await readMemory(child);
    const round: MemoryRound = {
      leads: n,
      runningInTemporal: running,
      idle,
      asleep,
      maxCachedWorkflows: child.maxCachedWorkflows,
    };
    return { throughput, cpu: cpuUse, round, failures: { byType: activityFailures, first: firstFailure } };
  });
}

async function main(): Promise<void> {
  const { leads, concurrency, cache } = options();
  const tenth = Math.max(1, Math.round(leads / 10));
  const started = Date.now();
  log(`N = ${leads} leads, ${concurrency} requests in flight, ${os.cpus().length} CPUs`);
  const loadBefore = os.loadavg()[0]!;
  const g = (guard = await startGuard());
  const setup = startBenchStack(log, (fn) => void cleanups.push(fn), g);
  settingUp = setup;
  const stack = await setup;
  if (cache !== undefined) stack.workerEnv.WORKER_MAX_CACHED_WORKFLOWS = String(cache);
  temporalPids = childPids('temporal');

  // Baseline first, on its own fresh worker: the ceiling the journeys are compared with.
  log(`baseline: ${leads} bare workflows…`);
  const { baseline, baselineCpu, baselineFailures } = await withWorker(stack, 'baseline', async (child) => {
    const cpu = startCpuMeter(child.pid, temporalPids);
    const baseline = await baselineRound(stack, child, leads, concurrency, 'baseline');
    const baselineCpu = cpu();
    const { activityFailures, firstFailure } = await child.status();
    return { baseline, baselineCpu, baselineFailures: { byType: activityFailures, first: firstFailure } };
  });
  log(
    `baseline: ${leads} started in ${baseline.acceptSeconds.toFixed(1)} s, ${leads} no-op activities in ${baseline.effectSeconds.toFixed(1)} s`,
  );

  // N/10 before N: it also warms the API, the database and the server for the headline round.
  const small = await memoryRound(stack, tenth, concurrency, 'nurture-tenth', 0);
  const large = await memoryRound(stack, leads, concurrency, 'nurture', tenth);

  printReport({
    leads,
    concurrency,
    config: stack.config,
    baseline,
    nurture: large.throughput,
    nurtureTenth: small.throughput,
    memory: [small.round, large.round],
    cpu: { baseline: baselineCpu, nurture: large.cpu },
    failures: { baseline: baselineFailures, nurtureTenth: small.failures, nurture: large.failures },
    loadBefore,
    settleSeconds: SETTLE_MS / 1000,
    seconds: (Date.now() - started) / 1000,
  });
}

try {
  await main();
  await cleanup();
  finished();
  process.exit(0);
} catch (err) {
  if (!interrupted) log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await cleanup();
  finished();
  process.exit(interrupted ? 130 : 1);
}
