// Starts, stops and kills the production-shaped Temporal server (PostgreSQL persistence) as a
// background process that outlives its starter, found again through files in its folder:
//   server.pid    the process id
//   server.json   how to connect (address, namespace, TLS files): what `status` and others read
//   server.log    the server's own log (JSON lines), appended to across starts
// `npm run temporal:prod` is the command line; the crash campaign calls these functions.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import type { Log } from '../go-build.ts';
import { isPortFree } from '../ports.ts';
import { resolveTemporalServer } from './binaries.ts';
import { ensureNamespace, ensureSearchAttributes } from '../../temporal-namespace.ts';
import { migrateTemporalDatabases, persistedShardCount, type SchemaResult } from './schema.ts';
import { PORTS_USED, type ProdTemporalSettings } from './settings.ts';
import { ensureTlsFiles, type TlsFiles } from './tls.ts';

const CONFIG_DIR = fileURLToPath(new URL('./config', import.meta.url));
const HOST = '127.0.0.1';

/** What server.json holds: enough for any process to reach the running server. */
export interface ProdTemporalInfo {
  pid: number;
  address: string;
  namespace: string;
  tls?: TlsFiles;
  log: string;
  startedAt: string;
}

export interface ProdTemporal extends ProdTemporalInfo {
  /** True when `start` found it already running and healthy. */
  alreadyRunning: boolean;
  schema: SchemaResult[];
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: a crash, for the crash campaign. */
  kill(): Promise<void>;
}

const files = (s: ProdTemporalSettings) => ({
  pid: path.join(s.dir, 'server.pid'),
  info: path.join(s.dir, 'server.json'),
  log: path.join(s.dir, 'server.log'),
});

/** Client connection options for the running server (TLS client certificate included). */
export function connectionOptions(info: Pick<ProdTemporalInfo, 'address' | 'tls'>): ConnectionOptions {
  if (!info.tls) return { address: info.address };
  return {
    address: info.address,
    tls: {
      serverNameOverride: info.tls.serverName,
      serverRootCACertificate: fs.readFileSync(info.tls.caCert),
      clientCertPair: { crt: fs.readFileSync(info.tls.clientCert), key: fs.readFileSync(info.tls.clientKey) },
    },
  };
}

/**
 * Builds the server if needed, creates and migrates its databases, starts it in the
 * background, and returns once the namespace and the search attributes are usable. Starting
 * it while it runs returns the running one (after checking it answers).
 */
export async function startProdTemporal(
  s: ProdTemporalSettings,
  opts: { log?: Log; timeoutMs?: number } = {},
): Promise<ProdTemporal> {
  const log = opts.log ?? ((l) => console.error(l));
  const timeoutMs = opts.timeoutMs ?? 120_000;
  fs.mkdirSync(s.dir, { recursive: true });
  const running = readRunning(s);
  if (running) {
    if (running.address !== `${HOST}:${s.port}`)
      throw new Error(`the server in ${s.dir} already runs at ${running.address}; stop it first`);
    if (Boolean(running.tls) !== s.tls) {
      throw new Error(`the server in ${s.dir} already runs ${running.tls ? 'with' : 'without'} TLS; stop it first`);
    }
    await waitServing(running, s, timeoutMs, () => false);
    return handle(s, running, true, []);
  }

  const bin = resolveTemporalServer({ log });
  for (let port = s.port; port < s.port + PORTS_USED; port++) {
    if (!(await isPortFree(port))) {
      throw new Error(
        `TEMPORAL_PROD_PORT: port ${port} is in use (the server needs ${s.port}–${s.port + PORTS_USED - 1}); choose another base port`,
      );
    }
  }
  const schema = await migrateTemporalDatabases(bin, s);
  for (const r of schema)
    log(
      r.before === r.after
        ? `database ${r.database}: schema ${r.after}, up to date`
        : `database ${r.database}: schema ${r.before ?? 'none'} → ${r.after}`,
    );
  const shards = await persistedShardCount(s);
  if (shards > 0 && shards !== s.shards) {
    log(
      `TEMPORAL_PROD_SHARDS=${s.shards} is ignored: these databases were created with ${shards} history shards, which cannot change (reset to start over)`,
    );
  }
  const tls = s.tls ? ensureTlsFiles(s.dir) : undefined;

  const f = files(s);
  const logFd = fs.openSync(f.log, 'a');
  fs.writeSync(logFd, `--- starting ${new Date().toISOString()} ---\n`);
  const child = spawn(bin.server, ['--root', '/', '--config', CONFIG_DIR, '--env', 'production', '--allow-no-auth', 'start'], {
    cwd: s.dir,
    detached: true, // its own process group: Ctrl-C in the starter's terminal does not reach it
    stdio: ['ignore', logFd, logFd],
    env: serverEnv(s, tls),
  });
  fs.closeSync(logFd);
  if (child.pid === undefined) throw new Error(`could not start ${bin.server}`);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? String(code)));
  child.unref();

  const info: ProdTemporalInfo = {
    pid: child.pid,
    address: `${HOST}:${s.port}`,
    namespace: s.namespace,
    tls,
    log: f.log,
    startedAt: new Date().toISOString(),
  };
  fs.writeFileSync(f.pid, `${child.pid}\n`);
  fs.writeFileSync(f.info, `${JSON.stringify(info, null, 2)}\n`);
  try {
    await waitServing(info, s, timeoutMs, () => exited !== undefined, log);
  } catch (err) {
    await signalAndWait(s, info.pid, 'SIGKILL', 5000);
    const why = exited !== undefined ? `the server exited (${exited})` : String(err);
    throw new Error(`${why}; the end of ${f.log}:\n${tail(f.log, 20)}`, { cause: err });
  }
  return handle(s, info, false, schema);
}

/** Stops the server of this folder: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProdTemporal(
  s: ProdTemporalSettings,
  opts: { graceMs?: number; signal?: 'SIGTERM' | 'SIGKILL' } = {},
): Promise<'stopped' | 'not running'> {
  const running = readRunning(s);
  if (!running) return 'not running';
  await signalAndWait(s, running.pid, opts.signal ?? 'SIGTERM', opts.graceMs ?? 30_000);
  return 'stopped';
}

export type ProdTemporalStatus =
  { running: false } | { running: true; serving: boolean; info: ProdTemporalInfo; problem?: string };

/** Whether the process runs, and whether it answers describeNamespace within a few seconds. */
export async function prodTemporalStatus(s: ProdTemporalSettings): Promise<ProdTemporalStatus> {
  const info = readRunning(s);
  if (!info) return { running: false };
  try {
    await describe(info, s.namespace, 3000);
    return { running: true, serving: true, info };
  } catch (err) {
    return { running: true, serving: false, info, problem: String(err) };
  }
}

/** The info of the server of this folder if its process still runs; stale files are removed. */
export function readRunning(s: ProdTemporalSettings): ProdTemporalInfo | undefined {
  const f = files(s);
  let info: ProdTemporalInfo;
  try {
    info = JSON.parse(fs.readFileSync(f.info, 'utf8')) as ProdTemporalInfo;
  } catch {
    return undefined;
  }
  if (isOurServer(info.pid)) return info;
  fs.rmSync(f.info, { force: true });
  fs.rmSync(f.pid, { force: true });
  return undefined;
}

function handle(s: ProdTemporalSettings, info: ProdTemporalInfo, alreadyRunning: boolean, schema: SchemaResult[]): ProdTemporal {
  return {
    ...info,
    alreadyRunning,
    schema,
    stop: async (graceMs = 30_000) => void (await signalAndWait(s, info.pid, 'SIGTERM', graceMs)),
    kill: async () => void (await signalAndWait(s, info.pid, 'SIGKILL', 10_000)),
  };
}

function serverEnv(s: ProdTemporalSettings, tls: TlsFiles | undefined): NodeJS.ProcessEnv {
  // Only what the config template reads (config/production.yaml): the caller's own settings,
  // LOG_LEVEL in particular, mean something else to Nurture.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LOG_LEVEL: s.logLevel,
    NUM_HISTORY_SHARDS: String(s.shards),
    POSTGRES_SEEDS: s.database.host,
    DB_PORT: String(s.database.port),
    POSTGRES_USER: s.database.user,
    POSTGRES_PWD: s.database.password,
    DBNAME: s.database.name,
    VISIBILITY_DBNAME: s.visibilityDatabase,
    FRONTEND_GRPC_PORT: String(s.port),
    BIND_ON_IP: HOST,
    DYNAMIC_CONFIG_FILE_PATH: path.join(CONFIG_DIR, 'dynamicconfig.yaml'),
  };
  if (tls) {
    Object.assign(env, {
      TEMPORAL_TLS_FRONTEND_CERT: tls.serverCert,
      TEMPORAL_TLS_FRONTEND_KEY: tls.serverKey,
      TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
      TEMPORAL_TLS_CLIENT_CA_CERT: tls.caCert,
      TEMPORAL_TLS_SYSTEM_WORKER_CERT: tls.clientCert,
      TEMPORAL_TLS_SYSTEM_WORKER_KEY: tls.clientKey,
      TEMPORAL_TLS_FRONTEND_SERVER_NAME: tls.serverName,
      TEMPORAL_TLS_SERVER_CA_CERT: tls.caCert,
    });
  }
  return env;
}

async function describe(info: Pick<ProdTemporalInfo, 'address' | 'tls'>, namespace: string, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ ...connectionOptions(info), connectTimeout: timeoutMs });
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
}

/** Waits for the frontend, then makes sure the namespace and search attributes are in place. */
async function waitServing(
  info: ProdTemporalInfo,
  { namespace, searchAttributes }: Pick<ProdTemporalSettings, 'namespace' | 'searchAttributes'>,
  timeoutMs: number,
  hasExited: () => boolean,
  log: Log = () => {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let connection: Connection | undefined;
  while (!connection) {
    if (hasExited()) throw new Error('the server exited');
    try {
      const c = await Connection.connect({ ...connectionOptions(info), connectTimeout: 1000 });
      // Any answer (a missing namespace included) means the frontend serves.
      await c.workflowService.getSystemInfo({});
      connection = c;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`no answer at ${info.address} after ${timeoutMs} ms: ${String(err)}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    const left = () => Math.max(1000, deadline - Date.now());
    await ensureNamespace(connection, namespace, log, left());
    await ensureSearchAttributes(connection, namespace, searchAttributes, log, left());
  } finally {
    await connection.close();
  }
}

async function signalAndWait(
  s: ProdTemporalSettings,
  pid: number,
  signal: 'SIGTERM' | 'SIGKILL',
  graceMs: number,
): Promise<void> {
  const f = files(s);
  // Not isOurServer: while a process exits, /proc/<pid>/cmdline reads empty before its
  // sockets are closed, and the ports must be free when we return.
  const gone = () => !isRunning(pid);
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
  const deadline = Date.now() + graceMs;
  while (!gone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!gone()) {
    process.kill(pid, 'SIGKILL');
    const hard = Date.now() + 10_000;
    while (!gone() && Date.now() < hard) await new Promise((r) => setTimeout(r, 100));
    if (!gone()) throw new Error(`the Temporal server (pid ${pid}) did not exit after SIGKILL`);
  }
  fs.rmSync(f.info, { force: true });
  fs.rmSync(f.pid, { force: true });
}

/** The process exists and has not finished exiting (a zombie has released everything). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return !fs.existsSync('/proc/self'); // gone meanwhile, or no /proc at all (not Linux)
  }
}

/** The pid runs our server binary (not a pid reused by another program). */
function isOurServer(pid: number): boolean {
  if (!isRunning(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('temporal-server');
  } catch {
    return fs.existsSync(`/proc/${pid}`) || !fs.existsSync('/proc/self'); // no /proc: trust the signal check
  }
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
