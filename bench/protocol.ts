// Messages between the benchmark (bench/run.ts) and its worker child (bench/worker.ts) over
// the child's IPC channel. Every request carries an id; the child answers with the same id.

export type BenchRequest =
  | { id: number; type: 'status' }
  /** Full garbage collection of the main isolate (the child runs with --expose-gc). */
  | { id: number; type: 'gc' };

export interface WorkerSnapshot {
  /** No-op activities run so far (the bare workflow's only effect). */
  effects: number;
  /** Date.now() when the last no-op activity ran (0: none yet). */
  lastEffectAt: number;
  inFlightActivations: number;
  inFlightActivities: number;
  cachedWorkflows: number;
  /** process.memoryUsage() of the main isolate, bytes (the workflow thread is not included). */
  heapUsed: number;
  /** Failed activity attempts (each retried by Temporal), by activity type. */
  activityFailures: Record<string, number>;
  firstFailure?: string;
}

export type BenchReply =
  | { type: 'ready'; pid: number; maxCachedWorkflows: number }
  | { type: 'failed'; error: string }
  | ({ id: number; type: 'status' } & WorkerSnapshot)
  | { id: number; type: 'gc'; collected: boolean };

export const BUNDLE_ENV = 'BENCH_WORKFLOW_BUNDLE';
