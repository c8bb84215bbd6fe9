// The benchmark's worker, run as a child process of bench/run.ts so that its memory can be
// read from /proc/<pid>/status on its own:
//   node --import tsx --expose-gc bench/worker.ts   (configuration from the environment)
// It is the production worker, started by the same startWorker -> createWorker path as
// `nurture worker` (same options, cache size, mailer, campaign checks), with two additions:
// the workflow bundle of bench/workflows.ts (journeyWorkflow + benchBareWorkflow) and the
// bare workflow's no-op activity, which counts how often it ran.
import { DefaultLogger, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { startWorker } from '../app/services.ts';
import { loadConfig } from '../config/index.ts';
import { BUNDLE_ENV, type BenchReply, type BenchRequest } from './protocol.ts';

function reply(msg: BenchReply): void {
  process.send?.(msg);
}

if (!process.send) {
  console.error('bench/worker.ts is started by bench/run.ts (it needs an IPC channel)');
  process.exit(2);
}

// Failed activity attempts (Temporal retries them) are counted, not printed one by one: under
// load they can number in the thousands. The first three are printed, one line each.
const failures: Record<string, number> = {};
let firstFailure: string | undefined;
let printed = 0;
const logger = new DefaultLogger('WARN', (entry) => {
  if (entry.message === 'Activity failed') {
    const type = String(entry.meta?.activityType ?? 'unknown');
    failures[type] = (failures[type] ?? 0) + 1;
    const error = entry.meta?.error;
    const line = `${type}: ${error instanceof Error ? error.message : String(error)}`.replace(/\s+/g, ' ').slice(0, 400);
    firstFailure ??= line;
    if (++printed <= 3) console.error(`[bench worker] activity attempt failed (Temporal retries it): ${line}`);
    return;
  }
  console.error(`[bench worker] ${entry.level} ${entry.message}`, entry.meta ?? '');
});
// SIGINT/SIGTERM drain the worker (the Runtime's default); the parent sends SIGTERM to stop us.
Runtime.install({ logger });

let effects = 0;
let lastEffectAt = 0;
const benchActivities = {
  async benchNoop(): Promise<void> {
    effects++;
    lastEffectAt = Date.now();
  },
};

// createWorker registers exactly the journey's activities; rather than copy its options here
// (and drift from them), the bench adds its one activity on the way into Worker.create.
const create = Worker.create.bind(Worker);
Worker.create = (options: WorkerOptions) =>
  create({ ...options, activities: { ...(options.activities as object), ...benchActivities } });

const bundlePath = process.env[BUNDLE_ENV];
if (!bundlePath) {
  reply({ type: 'failed', error: `${BUNDLE_ENV} is not set` });
  process.exit(2);
}

// The parent went away (crashed or killed): do not linger as an orphan.
let orphaned = false;
let stopWorker: (() => Promise<void>) | undefined;
process.on('disconnect', () => {
  orphaned = true;
  if (stopWorker) void stopWorker();
  else process.exit(1);
});

try {
  const config = loadConfig(process.env);
  const running = await startWorker(config, { workflowBundle: { codePath: bundlePath } });
  stopWorker = () => running.stop();
  if (orphaned) await running.stop();
  running.done.then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('bench worker failed:', err);
      process.exit(1);
    },
  );

  process.on('message', (req: BenchRequest) => {
    if (req.type === 'status') {
      const s = running.worker.getStatus();
      const mem = process.memoryUsage();
      reply({
        id: req.id,
        type: 'status',
        effects,
        lastEffectAt,
        inFlightActivations: s.numInFlightWorkflowActivations,
        inFlightActivities: s.numInFlightActivities,
        cachedWorkflows: s.numCachedWorkflows,
        heapUsed: mem.heapUsed,
        activityFailures: failures,
        firstFailure,
      });
    } else if (req.type === 'gc') {
      const gc = (globalThis as { gc?: () => void }).gc;
      // Twice: the first pass can leave garbage that only becomes unreachable after it.
      gc?.();
      gc?.();
      reply({ id: req.id, type: 'gc', collected: Boolean(gc) });
    }
  });
  reply({ type: 'ready', pid: process.pid, maxCachedWorkflows: running.worker.options.maxCachedWorkflows });
} catch (err) {
  reply({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}
