// Obtains and runs the Temporal dev server (`temporal server start-dev`) for `nurture dev`
// and the tests. The vendor's installers download binaries from hosts these machines
// cannot reach, so when no `temporal` is on PATH we build the CLI once through the Go
// module proxy into a per-user cache shared by every clone (see shared/PLATFORM.md).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { binCacheDir, buildOnce, goInstall, onPath, type Log } from './go-build.ts';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Finds the `temporal` CLI: TEMPORAL_CLI_PATH, then PATH, then our cache; else builds it. */
export function resolveTemporalCli(opts: { explicitPath?: string; log?: Log } = {}): string {
  const log = opts.log ?? ((l) => console.error(l));
  if (opts.explicitPath) {
    if (!fs.existsSync(opts.explicitPath)) throw new Error(`TEMPORAL_CLI_PATH: no file at ${opts.explicitPath}`);
    return opts.explicitPath;
  }
  const found = onPath('temporal');
  if (found) return found;
  const dir = binCacheDir(`temporal-${TEMPORAL_CLI_VERSION}`);
  buildOnce(
    dir,
    `the Temporal CLI ${TEMPORAL_CLI_VERSION}`,
    (staging, go) => goInstall(go, staging, [`${CLI_MODULE}@${TEMPORAL_CLI_VERSION}`]),
    log,
  );
  return path.join(dir, 'temporal');
}

export interface DevServerOptions {
  port: number;
  uiPort?: number; // omitted: headless
  /** The Web UI's remote codec endpoint (Nurture's /codec), so it can show decrypted payloads. */
  uiCodecEndpoint?: string;
  dbFile?: string; // omitted: in memory
  /** SQLite pragmas for the dbFile (`--sqlite-pragma name=value`: journal_mode, synchronous). */
  sqlitePragmas?: Readonly<Record<string, string>>;
  namespace?: string;
  /** Custom search attributes to register, name -> type (Keyword, Bool, Int, Datetime, …). */
  searchAttributes: Readonly<Record<string, string>>;
  cliPath?: string;
  log?: Log;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/** Starts the dev server with our search attributes and waits until it answers. */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = resolveTemporalCli({ explicitPath: opts.cliPath, log: opts.log });
  const namespace = opts.namespace ?? 'default';
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    namespace,
    '--log-level',
    'error',
  ];
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
    for (const [name, value] of Object.entries(opts.sqlitePragmas ?? {})) args.push('--sqlite-pragma', `${name}=${value}`);
  }
  if (opts.uiPort) {
    args.push('--ui-port', String(opts.uiPort));
    if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  } else args.push('--headless');
  for (const [name, type] of Object.entries(opts.searchAttributes)) args.push('--search-attribute', `${name}=${type}`);

  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const address = `127.0.0.1:${opts.port}`;
  try {
    await waitHealthy(address, namespace, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    stop: async () => {
      process.off('exit', killOnExit);
      await stopChild(child);
    },
  };
}

async function waitHealthy(address: string, namespace: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  for (;;) {
    if (exited !== null) throw new Error(`the Temporal dev server exited (${exited}):\n${stderr()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`the Temporal dev server did not become healthy at ${address}: ${String(err)}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
