// A safety net for bench/run.ts: a small detached process that removes what the run set up
// (its child processes, its database, its temporary folder) if the run dies without doing so
// itself. The run cleans up in order on success, failure and Ctrl-C; but under `npm run
// bench`, tsx SIGKILLs its child when that child is slow (~60 ms) to acknowledge a relayed
// Ctrl-C, which a busy 2-core machine easily is, and a crash or OOM kill skips cleanup too.
// The guard learns what to remove over IPC and acts when the channel drops without "done".
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropDatabase } from '../infra/db-admin.ts';

type GuardMessage =
  { type: 'pid'; pid: number } | { type: 'database'; url: string } | { type: 'dir'; path: string } | { type: 'done' };

const SELF = fileURLToPath(import.meta.url);

export interface Guard {
  pid(pid: number): void;
  database(url: string): void;
  dir(path: string): void;
  /** Everything was cleaned up in order: the guard exits without touching anything. */
  done(): void;
}

/** Starts the guard and waits until it listens (messages sent earlier could be lost). */
export async function startGuard(): Promise<Guard> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SELF], {
    cwd: path.resolve(path.dirname(SELF), '..'),
    // Its own process group: a Ctrl-C in the terminal does not reach it.
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bench guard exited (${code}) at start`)));
    child.once('message', () => resolve());
  });
  child.removeAllListeners('exit');
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  const send = (m: GuardMessage) => {
    if (child.connected) child.send(m);
  };
  return {
    pid: (pid) => send({ type: 'pid', pid }),
    database: (url) => send({ type: 'database', url }),
    dir: (p) => send({ type: 'dir', path: p }),
    done: () => {
      send({ type: 'done' });
      if (child.connected) child.disconnect();
    },
  };
}

async function guardMain(): Promise<void> {
  const pids = new Set<number>();
  const databases = new Set<string>();
  const dirs = new Set<string>();
  let done = false;
  process.on('SIGINT', () => {}); // not ours to act on: the run decides
  process.on('message', (m: GuardMessage) => {
    if (m.type === 'pid') pids.add(m.pid);
    else if (m.type === 'database') databases.add(m.url);
    else if (m.type === 'dir') dirs.add(m.path);
    else if (m.type === 'done') done = true;
  });
  process.send?.({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('disconnect', () => resolve()));
  if (done) process.exit(0);
  // Give the run's own cleanup a moment in case it is still going (it disconnects only on exit).
  await new Promise((r) => setTimeout(r, 500));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const url of databases) {
    try {
      await dropDatabase(url);
    } catch (err) {
      console.error(`[bench guard] could not drop ${new URL(url).pathname.slice(1)}: ${(err as Error).message}`);
    }
  }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  console.error('[bench guard] the benchmark ended without cleaning up; removed its processes, database and files');
  process.exit(0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) void guardMain();
