// The worker process: connects to Temporal, registers the journey workflow and its
// activities on one task queue, and drains in-flight work on SIGINT/SIGTERM. Scale out by
// running more of these on more machines against the same task queue.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config/index.ts';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import { dataConverterFor } from '../infra/payload-codec.ts';
import { temporalConnectionOptions } from '../infra/client.ts';
import { retryWatch } from './retry-watch.ts';

export const WORKFLOWS_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../workflows/index.ts');

/** Same address, API key and TLS (mTLS included) as the client: infra/client.ts. */
export async function connectWorker(
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_API_KEY' | 'temporalTls'>,
): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config));
}

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Pre-bundled workflow code (tests bundle once per run); otherwise bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    interceptors: { activity: [retryWatch(opts.deps.db, opts.deps.config.ACTIVITY_RETRY_ALERT_ATTEMPTS)] },
    // Everything the worker writes to Temporal is encrypted; what it reads, decrypted.
    dataConverter: dataConverterFor(opts.deps.config),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    maxCachedWorkflows: opts.deps.config.WORKER_MAX_CACHED_WORKFLOWS,
    shutdownGraceTime: '10s',
  });
}
