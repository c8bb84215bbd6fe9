// The worker process: connects to Temporal, registers the journey workflow and its
// activities on one task queue, and drains in-flight work on SIGINT/SIGTERM. Scale out by
// running more of these on more machines against the same task queue.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config/index.ts';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import { dataConverterFor } from '../infra/payload-codec.ts';
import { temporalConnectionOptions } from '../infra/client.ts';
import { discardWorkflowSpans, type Tracing } from '../observability/tracing.ts';
import { retryWatch } from './retry-watch.ts';

const HERE = fileURLToPath(import.meta.url);
// `.ts` from source, `.js` from the build (dist/), which holds compiled workflows as well.
export const WORKFLOWS_PATH = path.resolve(path.dirname(HERE), `../workflows/index${path.extname(HERE)}`);

/**
 * Workflow interceptors, bundled with the workflows wherever they are bundled (scripts/build.ts,
 * the tests' global setup, createWorker): tracing's, idle unless a run is traced.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [path.resolve(path.dirname(HERE), `../workflows/tracing${path.extname(HERE)}`)];

/**
 * The workflow code `npm run build` bundled (scripts/build.ts): the build's worker starts from
 * it instead of running webpack at every start. Beside `dist/worker/`, so a source checkout
 * never finds one.
 */
const PREBUILT_WORKFLOW_BUNDLE = path.resolve(path.dirname(HERE), '../workflow-bundle.js');

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
  /** Pre-bundled workflow code (tests bundle once per run); otherwise the build's, or bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** When the worker traces (observability/tracing.ts). */
  tracing?: Pick<Tracing, 'activityInterceptors' | 'workflowSinks'>;
}

function workflowCode(
  given: CreateWorkerOptions['workflowBundle'],
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> & { workflowModules?: string[] } {
  if (given) return { workflowBundle: given };
  if (fs.existsSync(PREBUILT_WORKFLOW_BUNDLE)) {
    Runtime.instance().logger.info('Using the prebuilt workflow bundle', { path: PREBUILT_WORKFLOW_BUNDLE });
    return { workflowBundle: { codePath: PREBUILT_WORKFLOW_BUNDLE } };
  }
  return { workflowsPath: WORKFLOWS_PATH, workflowModules: WORKFLOW_INTERCEPTOR_MODULES };
}

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const { workflowModules, ...code } = workflowCode(opts.workflowBundle);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    interceptors: {
      // Tracing's first, so that the RunActivity span holds the retry watch's log lines too.
      activity: [
        ...(opts.tracing?.activityInterceptors ?? []),
        retryWatch(opts.deps.db, opts.deps.config.ACTIVITY_RETRY_ALERT_ATTEMPTS),
      ],
      ...(workflowModules ? { workflowModules } : {}),
    },
    sinks: opts.tracing?.workflowSinks ?? discardWorkflowSpans,
    // Everything the worker writes to Temporal is encrypted; what it reads, decrypted.
    dataConverter: dataConverterFor(opts.deps.config),
    ...code,
    maxCachedWorkflows: opts.deps.config.WORKER_MAX_CACHED_WORKFLOWS,
    shutdownGraceTime: '10s',
  });
}
