// Assembles the long-running pieces (worker, API) from config, for `nurture dev`,
// `nurture worker`, `nurture api` and the integration tests alike.
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.ts';
import { assertSafeToServe } from '../config/safety.ts';
import { buildServer, type ApiDeps } from '../api/server.ts';
import { loadCatalog } from '../email/index.ts';
import { assertSourcesClean } from './check.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';
import { connectClient } from '../infra/client.ts';
import { createDb, type Db } from '../infra/db.ts';
import { createMailer } from '../infra/mailer.ts';
import { dkimAlignmentWarning } from '../infra/dkim.ts';
import type { SendFaults } from '../activities/email/send.ts';
import { connectWorker, createWorker, type CreateWorkerOptions } from '../worker/index.ts';
import { startEnrollmentReconciler } from '../worker/enrollment-reconciler.ts';
import { DEFAULT_TEMPORAL_TIMEOUT_MS } from '../workflows/journey/client.ts';
import { checkReadiness, temporalProbe } from '../observability/health.ts';
import { startHealthServer, type HealthServer } from '../observability/health-server.ts';
import { metricsRegistry } from '../observability/metrics.ts';
import { withTemporalMetrics } from '../observability/temporal-runtime.ts';
import { startTracing, tracingSettings } from '../observability/tracing.ts';
import { journeyGaugeReaders } from '../reports/metrics-gauges.ts';

export interface RunningWorker {
  worker: Worker;
  done: Promise<void>;
  /** The health server's base URL when WORKER_HEALTH_PORT is set. */
  healthUrl?: string;
  stop(): Promise<void>;
}

export async function startWorker(
  config: Config,
  opts: { db?: Db; workflowBundle?: CreateWorkerOptions['workflowBundle']; faults?: SendFaults } = {},
): Promise<RunningWorker> {
  assertSafeToServe(config, 'worker');
  const db = opts.db ?? createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  warnIfDkimMisaligned(config);
  const mailer = createMailer(config);
  // Refuse to start with an invalid campaign or template: better now than at send time.
  // The same check as `nurture check`, so what it passes the worker accepts.
  assertSourcesClean(config);
  const catalog = loadCatalog(config.templatesDir);
  const tracing = await startTracing(tracingSettings(config, 'nurture-worker'));
  const connection = await connectWorker(config);
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: { db, mailer, catalog, config, faults: opts.faults, tracer: tracing?.tracer },
    workflowBundle: opts.workflowBundle,
    tracing,
  });
  // Every worker runs it: its writes are guarded, so several at once are harmless.
  const temporal = await connectClient(config, { lazy: true });
  const reconciler = startEnrollmentReconciler({ db, temporal: { client: temporal, timeoutMs: DEFAULT_TEMPORAL_TIMEOUT_MS } });
  const run = worker.run();
  const health =
    config.WORKER_HEALTH_PORT === undefined
      ? undefined
      : await startWorkerHealth(config, worker, db, temporal).catch(async (err: unknown) => {
          // A port already taken: stop the worker we started rather than leave it polling.
          worker.shutdown();
          await run.catch(() => {});
          throw err;
        });
  const done = run.finally(async () => {
    await health?.close();
    await reconciler.stop();
    await temporal.connection.close();
    mailer.close();
    await connection.close();
    if (!opts.db) await db.$disconnect();
    await tracing?.flush();
  });
  return {
    worker,
    done,
    healthUrl: health?.url,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/** Ready while the worker polls its task queue and PostgreSQL and Temporal answer. */
function startWorkerHealth(config: Config, worker: Worker, db: Db, temporal: Client): Promise<HealthServer> {
  const metrics = metricsRegistry(journeyGaugeReaders(db));
  const timeoutMs = config.HEALTH_CHECK_TIMEOUT_MS;
  return startHealthServer({
    host: config.HOST,
    port: config.WORKER_HEALTH_PORT!,
    readiness: () =>
      checkReadiness(
        {
          worker: async () => (worker.getState() === 'RUNNING' ? undefined : `worker is ${worker.getState()}`),
          database: async () => {
            await db.$queryRaw`select 1`;
          },
          // The worker stays RUNNING while its polls fail; Temporal not answering says why it does no work.
          temporal: temporalProbe(temporal),
        },
        timeoutMs,
      ),
    metrics: async () => withTemporalMetrics(await metrics.metrics(), timeoutMs),
  });
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

export async function startApi(
  config: Config,
  opts: { db?: Db; port?: number; logStream?: ApiDeps['logStream'] } = {},
): Promise<RunningApi> {
  assertSafeToServe(config, 'api');
  const db = opts.db ?? createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  const tracing = await startTracing(tracingSettings(config, 'nurture-api'));
  const temporal = await connectClient(config, {
    lazy: true,
    ...(tracing ? { interceptors: { workflow: tracing.clientInterceptors } } : {}),
  });
  const campaigns = new CampaignRegistry(config.campaignsDir);
  campaigns.assertValid();
  const app = await buildServer({ config, db, temporal, campaigns, logStream: opts.logStream, tracer: tracing?.tracer });
  warnIfDkimMisaligned(config, (m) => app.log.warn(m));
  const url = await app.listen({ port: opts.port ?? config.PORT, host: config.HOST });
  return {
    app,
    url,
    async stop() {
      await app.close();
      await temporal.connection.close();
      if (!opts.db) await db.$disconnect();
      await tracing?.flush();
    },
  };
}

/** At start-up (worker and API): DKIM that DMARC will not count is worth a loud warning. */
function warnIfDkimMisaligned(config: Config, log?: (message: string) => void): void {
  const warning = dkimAlignmentWarning(config);
  if (!warning) return;
  console.warn(`warning: ${warning}`);
  log?.(warning);
}
