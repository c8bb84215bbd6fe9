// The chaos run's own stack, every piece private to the run and each one killable: a Temporal
// dev server on a SQLite file, or with `--temporal prod` the production-shaped server on its
// own PostgreSQL databases (either SIGKILLed and restarted on the same storage and port), a
// PostgreSQL database nurture_chaos_<pid> (migrated, dropped at the end), the API as a child
// process (`nurture api`, restarted on the same port), two worker children (bench/worker.ts, the
// production startWorker path), and the chaos SMTP sink with one port per sender.
// Each piece registers its cleanup as soon as it exists; bench/guard.ts tidies up if the run dies.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WorkerChild } from '../../bench/child.ts';
import { childPids } from '../../bench/cpu.ts';
import type { Guard } from '../../bench/guard.ts';
import { BUNDLE_ENV } from '../../bench/protocol.ts';
import { loadConfig, type Config } from '../../config/index.ts';
import { connectClient } from '../../infra/client.ts';
import { createDb, dropDatabase, migrate, type Db } from '../../infra/db.ts';
import { freePort } from '../../infra/dev/ports.ts';
import { startTemporalDevServer, stopChild } from '../../infra/dev/temporal-dev.ts';
import { startPrivateProdTemporal } from '../../infra/dev/temporal-server/private.ts';
import { FAILURE_CONVERTER_PATH } from '../../infra/payload-codec.ts';
import { WORKFLOWS_PATH } from '../../worker/index.ts';
import { SEARCH_ATTRIBUTES } from '../../workflows/journey/search-attributes.ts';
import { startChaosSink, type ChaosSink, type SinkOptions } from './sink.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin', 'nurture.mjs');

export const CHAOS_CAMPAIGN_ID = 'chaos';
/** Short enough that every journey finishes within the run; the wait spans worker kills. */
const CHAOS_CAMPAIGN_YAML = `# Written by scripts/chaos/run.ts
id: ${CHAOS_CAMPAIGN_ID}
name: Chaos
description: A welcome, a short wait, a second email, the end.
stages:
  awareness:
    steps:
      - send: welcome
      - wait: 20s
      - send: first-value
`;
export const WORKER_SLOTS = ['worker-0', 'worker-1'] as const;
const API_SLOT = 'api';

export interface KillRecord {
  what: string;
  pid: number;
  at: number;
}

export interface ChaosStack {
  config: Config;
  apiUrl: string;
  db: Db;
  temporal: Client;
  sink: ChaosSink;
  logDir: string;
  /** Every SIGKILL the run dealt, in order. */
  kills: KillRecord[];
  /** SIGKILLs the worker of a slot and starts a new one on the same slot (and SMTP port). */
  killWorker(slot: string, why: string): Promise<void>;
  /** Stops the API (SIGKILL when hard, else SIGTERM: it drains) and starts it on the same port. */
  restartApi(hard: boolean): Promise<void>;
  /** SIGKILLs the Temporal server and starts it again on the same storage and port. */
  killTemporal(): Promise<void>;
  /** Resolves once no kill or restart is in progress (a gap kill is dealt by the sink, unawaited). */
  idle(): Promise<void>;
}

type Log = (line: string) => void;
type SinkHooks = Pick<SinkOptions, 'refuse' | 'rates' | 'rng' | 'onMessage'>;
/** The dev server (SQLite) or the production-shaped server (PostgreSQL, infra/dev/temporal-server). */
export type ChaosTemporalKind = 'dev' | 'prod';

/** A Temporal server private to the run. */
interface ChaosTemporal {
  address: string;
  /** SIGKILL, then start again on the same storage and port; the process ids killed. */
  crash(): Promise<number[]>;
  stop(): Promise<void>;
}

async function devTemporal(tmp: string, log: Log, guard: Guard): Promise<ChaosTemporal> {
  const port = await freePort();
  const start = () =>
    startTemporalDevServer({
      port,
      dbFile: path.join(tmp, 'temporal.sqlite'),
      // WAL with synchronous=normal loses no commit when the server process is killed (only an
      // OS crash could), which is the fault here; the default (a sync per commit) made the
      // server the run's bottleneck.
      sqlitePragmas: { journal_mode: 'wal', synchronous: 'normal' },
      searchAttributes: SEARCH_ATTRIBUTES,
      cliPath: process.env.TEMPORAL_CLI_PATH,
      log,
    }).then((s) => {
      for (const pid of childPids('temporal')) guard.pid(pid);
      return s;
    });
  let server = await start();
  return {
    address: server.address,
    async crash() {
      const pids = childPids('temporal');
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      while (childPids('temporal').length > 0) await new Promise((r) => setTimeout(r, 100));
      server = await start();
      return pids;
    },
    stop: () => server.stop(),
  };
}

async function prodTemporal(tmp: string, log: Log, guard: Guard, base: URL): Promise<ChaosTemporal> {
  const database = new URL(base);
  database.pathname = `/nurture_chaos_temporal_${process.pid}`;
  const server = await startPrivateProdTemporal({
    dir: path.join(tmp, 'temporal-prod'),
    database: database.toString(),
    log,
    searchAttributes: SEARCH_ATTRIBUTES,
    onPid: (pid) => guard.pid(pid),
  });
  for (const url of server.databases) guard.database(url);
  return {
    address: server.address,
    async crash() {
      const pid = await server.kill();
      await server.start();
      return [pid];
    },
    stop: () => server.remove(),
  };
}

export async function startChaosStack(
  log: Log,
  onCleanup: (fn: () => Promise<void>) => void,
  guard: Guard,
  sinkHooks: SinkHooks,
  temporalKind: ChaosTemporalKind = 'dev',
): Promise<ChaosStack> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-chaos-'));
  guard.dir(tmp);
  onCleanup(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  // Logs outlive the run: they are where a failed figure is explained.
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-chaos-logs-'));

  const base = new URL(process.env.CHAOS_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/nurture_chaos_${process.pid}`;
  const databaseUrl = base.toString();
  guard.database(databaseUrl);

  const campaignsDir = path.join(tmp, 'campaigns');
  fs.mkdirSync(campaignsDir);
  fs.writeFileSync(path.join(campaignsDir, `${CHAOS_CAMPAIGN_ID}.yaml`), CHAOS_CAMPAIGN_YAML);

  const kills: KillRecord[] = [];
  const inProgress = new Set<Promise<void>>();
  const tracked = (p: Promise<void>) => {
    inProgress.add(p);
    return p.finally(() => inProgress.delete(p));
  };
  let killWorker: ChaosStack['killWorker'] = async () => {};
  const sink = await startChaosSink({
    ...sinkHooks,
    slots: [...WORKER_SLOTS, API_SLOT],
    killableSlots: WORKER_SLOTS,
    onGapKill: (slot) =>
      void tracked(killWorker(slot, 'inside the accepted-to-recorded gap')).catch((err: unknown) =>
        log(`gap kill: ${String(err)}`),
      ),
    log,
  });
  onCleanup(() => sink.close());

  log(
    `starting the Temporal ${temporalKind === 'prod' ? 'production-shaped server (PostgreSQL)' : 'dev server (SQLite)'}, the PostgreSQL database; bundling workflows…`,
  );
  const bundlePath = path.join(tmp, 'workflows.js');
  let server: ChaosTemporal | undefined;
  onCleanup(async () => server?.stop());
  onCleanup(() => dropDatabase(databaseUrl));
  const settled = await Promise.allSettled([
    (temporalKind === 'prod' ? prodTemporal(tmp, log, guard, base) : devTemporal(tmp, log, guard)).then((s) => (server = s)),
    migrate(databaseUrl),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietLogger }).then(
      ({ code }) => fs.writeFileSync(bundlePath, code),
    ),
  ]);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;

  const apiPort = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    NURTURE_DATA_DIR: path.join(tmp, 'data'),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: server!.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'nurture-chaos',
    SMTP_URL: sink.urls[API_SLOT]!,
    SMTP_RATE_PER_SECOND: '10000',
    // Links in the emails (the one-click unsubscribe) point at this run's API.
    PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    NURTURE_TEMPLATES_DIR: path.join(ROOT, 'templates'),
    NURTURE_CAMPAIGNS_DIR: campaignsDir,
    DEFAULT_CAMPAIGN: CHAOS_CAMPAIGN_ID,
    WEBHOOK_SECRET: 'chaos-webhook-secret-0123456789',
    // One sender fires every signup from one address: the run tests durability, not the limit.
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0',
  };
  const config = loadConfig({ ...process.env, ...env }, ROOT);
  const apiUrl = `http://127.0.0.1:${apiPort}`;

  // The API, as `nurture api` runs it in production.
  const apiLog = fs.openSync(path.join(logDir, 'api.log'), 'a');
  let api: ChildProcess | undefined;
  const startApi = async () => {
    const child = spawn(process.execPath, [CLI, 'api'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', apiLog, apiLog],
    });
    if (child.pid) guard.pid(child.pid);
    api = child;
    await waitHealthy(apiUrl, child);
  };
  onCleanup(async () => {
    if (api) await stopChild(api, 5000);
    fs.closeSync(apiLog);
  });

  // The workers: a slot keeps its SMTP port (so the sink knows who is sending) across restarts.
  const workers = new Map<string, WorkerChild | undefined>();
  const workerLogs = new Map<string, number>(
    WORKER_SLOTS.map((slot) => [slot, fs.openSync(path.join(logDir, `${slot}.log`), 'a')]),
  );
  const startWorker = async (slot: string) => {
    const workerEnv = { ...process.env, ...env, SMTP_URL: sink.urls[slot]!, [BUNDLE_ENV]: bundlePath };
    workers.set(slot, await WorkerChild.spawn(workerEnv, (pid) => guard.pid(pid), 120_000, workerLogs.get(slot)!));
  };
  onCleanup(async () => {
    await Promise.all([...workers.values()].map((w) => w?.stop()));
    for (const fd of workerLogs.values()) fs.closeSync(fd);
  });

  log('starting the API and two workers…');
  await Promise.all([startApi(), ...WORKER_SLOTS.map(startWorker)]);

  killWorker = async (slot, why) => {
    const worker = workers.get(slot);
    // A slot restarting already has no process to kill.
    if (!worker) return;
    workers.set(slot, undefined);
    kills.push({ what: slot, pid: worker.pid, at: Date.now() });
    worker.child.kill('SIGKILL');
    log(`fault: SIGKILL ${slot} (pid ${worker.pid}) ${why}`);
    await new Promise((resolve) =>
      worker.child.exitCode !== null || worker.child.signalCode ? resolve(null) : worker.child.once('exit', resolve),
    );
    await startWorker(slot);
  };

  const db = createDb(databaseUrl, 5);
  onCleanup(() => db.$disconnect());
  const temporal = await connectClient(config);
  onCleanup(() => temporal.connection.close());

  return {
    config,
    apiUrl,
    db,
    temporal,
    sink,
    logDir,
    kills,
    killWorker: (slot, why) => tracked(killWorker(slot, why)),
    async idle() {
      while (inProgress.size > 0) await Promise.allSettled([...inProgress]);
    },
    async restartApi(hard) {
      const old = api!;
      if (hard) {
        kills.push({ what: 'api', pid: old.pid!, at: Date.now() });
        old.kill('SIGKILL');
        await new Promise((resolve) => (old.exitCode !== null || old.signalCode ? resolve(null) : old.once('exit', resolve)));
      } else await stopChild(old, 10_000);
      log(`fault: API ${hard ? 'SIGKILLed' : 'stopped (SIGTERM)'}, restarting`);
      await startApi();
    },
    async killTemporal() {
      const at = Date.now();
      const pids = await server!.crash();
      for (const pid of pids) kills.push({ what: 'temporal', pid, at });
      log(`fault: SIGKILLed the Temporal server (pid ${pids.join(', ')}) and restarted it on the same storage and port`);
    },
  };
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode)
      throw new Error(`the API exited (${child.signalCode ?? child.exitCode}) at start`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API did not answer ${url}/healthz within 120 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
