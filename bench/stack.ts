// The benchmark's own slice of the real stack, every piece private to this run: a Temporal
// dev server (in memory), a PostgreSQL database nurture_bench_<pid> (migrated, dropped at the
// end), an SMTP inbox (memory only), a campaigns folder with the bench campaign, the workflow
// bundle for the worker child, and the API in this process. Each piece registers its own
// cleanup as soon as it exists, so a failure half-way still undoes what was set up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { startApi, type RunningApi } from '../app/services.ts';
import { loadConfig, type Config } from '../config/index.ts';
import { connectClient } from '../infra/client.ts';
import { FAILURE_CONVERTER_PATH } from '../infra/payload-codec.ts';
import { dropDatabase, migrate } from '../infra/db.ts';
import { freePort } from '../infra/dev/ports.ts';
import { startSmtpInbox, type SmtpInbox } from '../infra/dev/smtp-inbox.ts';
import { startTemporalDevServer, type DevServer } from '../infra/dev/temporal-dev.ts';
import { childPids } from './cpu.ts';
import type { Guard } from './guard.ts';
import { BUNDLE_ENV } from './protocol.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/journey/search-attributes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const BENCH_CAMPAIGN_ID = 'bench';
/** One email, then a sleep far longer than the run: every journey ends up asleep. */
const BENCH_CAMPAIGN_YAML = `# Written by bench/run.ts: one welcome email, then the journey sleeps.
id: ${BENCH_CAMPAIGN_ID}
name: Benchmark
description: One welcome email, then a 30-day wait.
stages:
  awareness:
    steps:
      - send: welcome
      - wait: 30d
`;

export interface BenchStack {
  config: Config;
  /** The environment the worker child gets (configuration as env vars). */
  workerEnv: NodeJS.ProcessEnv;
  inbox: SmtpInbox;
  api: RunningApi;
  temporal: Client;
  databaseUrl: string;
}

type Log = (line: string) => void;

export async function startBenchStack(log: Log, onCleanup: (fn: () => Promise<void>) => void, guard: Guard): Promise<BenchStack> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-bench-'));
  guard.dir(tmp);
  onCleanup(async () => fs.rmSync(tmp, { recursive: true, force: true }));

  const base = new URL(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/nurture_bench_${process.pid}`;
  const databaseUrl = base.toString();
  guard.database(databaseUrl);

  const campaignsDir = path.join(tmp, 'campaigns');
  fs.mkdirSync(campaignsDir);
  fs.writeFileSync(path.join(campaignsDir, `${BENCH_CAMPAIGN_ID}.yaml`), BENCH_CAMPAIGN_YAML);

  log('starting the Temporal dev server, PostgreSQL database, SMTP inbox; bundling workflows…');
  const bundlePath = path.join(tmp, 'workflows.js');
  // allSettled, not all: when one piece fails the others still finish starting (and so have
  // registered their cleanup) before the caller cleans up.
  const settled = await Promise.allSettled([
    freePort()
      .then((port) =>
        startTemporalDevServer({ port, searchAttributes: SEARCH_ATTRIBUTES, cliPath: process.env.TEMPORAL_CLI_PATH, log }),
      )
      .then((s) => {
        onCleanup(() => s.stop());
        for (const pid of childPids('temporal')) guard.pid(pid);
        return s;
      }),
    startSmtpInbox({ port: 0 }).then((i) => (onCleanup(() => i.close()), i)),
    // Registered before migrating: a half-applied migration is dropped too.
    (onCleanup(() => dropDatabase(databaseUrl)), migrate(databaseUrl)),
    bundleWorkflowCode({
      workflowsPath: path.join(ROOT, 'bench', 'workflows.ts'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: quietLogger,
    }).then(({ code }) => fs.writeFileSync(bundlePath, code)),
  ] as const);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [server, inbox] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [DevServer, SmtpInbox];

  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: '0',
    NURTURE_DATA_DIR: path.join(tmp, 'data'),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'nurture-bench',
    SMTP_URL: inbox.url,
    // The default (50/s) is a politeness limit for real mail servers; the bench measures the
    // engine, so it lifts the limit unless told otherwise.
    SMTP_RATE_PER_SECOND: process.env.SMTP_RATE_PER_SECOND ?? '10000',
    NURTURE_TEMPLATES_DIR: path.join(ROOT, 'templates'),
    NURTURE_CAMPAIGNS_DIR: campaignsDir,
    DEFAULT_CAMPAIGN: BENCH_CAMPAIGN_ID,
    WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
    // The bench fires thousands of signups from one address: it measures the engine, not the
    // rate limit (api/rate-limits.ts), unless told otherwise.
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: process.env.RATE_LIMIT_WEBHOOKS_PER_MINUTE ?? '0',
  };
  const config = loadConfig({ ...process.env, ...env }, ROOT);
  const workerEnv = { ...process.env, ...env, [BUNDLE_ENV]: bundlePath };

  const api = await startApi(config, { port: 0 });
  onCleanup(() => api.stop());
  const temporal = await connectClient(config);
  onCleanup(() => temporal.connection.close());

  return {
    config,
    workerEnv,
    inbox,
    api,
    temporal,
    databaseUrl,
  };
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
