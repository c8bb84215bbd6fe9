// The parent's side of the worker child (bench/worker.ts): spawn it, talk to it over IPC,
// read its memory from /proc, stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../infra/dev/temporal-dev.ts';
import type { BenchReply, WorkerSnapshot } from './protocol.ts';

const WORKER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.ts');
const ROOT = path.resolve(path.dirname(WORKER_SCRIPT), '..');

export interface ProcMemory {
  /** Resident set size now, MB. */
  rssMb: number;
  /** Peak resident set size since the process started ("high water mark"), MB. */
  hwmMb: number;
}

/** VmRSS and VmHWM of a process, from /proc/<pid>/status (Linux). */
function readProcMemory(pid: number): ProcMemory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(m[1]) / 1024;
  };
  return { rssMb: kb('VmRSS'), hwmMb: kb('VmHWM') };
}

export class WorkerChild {
  private seq = 0;
  private readonly pending = new Map<number, (msg: BenchReply) => void>();
  private exited: string | null = null;

  private constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly maxCachedWorkflows: number,
  ) {
    child.on('message', (msg: BenchReply) => {
      if ('id' in msg) {
        this.pending.get(msg.id)?.(msg);
        this.pending.delete(msg.id);
      }
    });
    child.once('exit', (code, signal) => {
      this.exited = `exited (${signal ?? code})`;
    });
  }

  /**
   * Starts the child and waits until its worker is polling. Its output goes to ours, or to the
   * file descriptor `output` (the chaos run keeps each worker's log in a file).
   */
  static async spawn(
    env: NodeJS.ProcessEnv,
    onSpawn: (pid: number) => void,
    timeoutMs = 120_000,
    output: 'inherit' | number = 'inherit',
  ): Promise<WorkerChild> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', WORKER_SCRIPT], {
      cwd: ROOT,
      env,
      stdio: ['ignore', output, output, 'ipc'],
    });
    if (child.pid) onSpawn(child.pid);
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    try {
      const ready = await new Promise<{ pid: number; maxCachedWorkflows: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the worker child was not ready within ${timeoutMs} ms`)), timeoutMs);
        child.once('error', reject);
        child.once('exit', (code, signal) =>
          reject(new Error(`the worker child exited (${signal ?? code}) before it was ready`)),
        );
        child.on('message', (msg: BenchReply) => {
          if (msg.type === 'ready') {
            clearTimeout(timer);
            resolve(msg);
          } else if (msg.type === 'failed') {
            clearTimeout(timer);
            reject(new Error(`the worker child failed to start:\n${msg.error}`));
          }
        });
      });
      return new WorkerChild(child, ready.pid, ready.maxCachedWorkflows);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  private call<T extends BenchReply>(type: 'status' | 'gc', timeoutMs = 30_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`the worker child ${this.exited}`));
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the worker child did not answer "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (msg) => {
        clearTimeout(timer);
        resolve(msg as T);
      });
      this.child.send({ id, type });
    });
  }

  status(): Promise<WorkerSnapshot> {
    return this.call<WorkerSnapshot & BenchReply>('status');
  }

  async gc(): Promise<boolean> {
    const r = await this.call<Extract<BenchReply, { type: 'gc' }>>('gc');
    return r.collected;
  }

  memory(): ProcMemory {
    return readProcMemory(this.pid);
  }

  /** SIGTERM (the worker drains), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    await stopChild(this.child, 15_000);
  }
}
