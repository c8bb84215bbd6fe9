// Where the CPU went during a round (Linux /proc): the worker child, this process (API, HTTP
// client, SMTP inbox, Temporal client), the Temporal dev server, and the whole machine (which
// also counts PostgreSQL and anything else running: on a shared machine that matters).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a process in seconds, or NaN when it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces: count fields after its closing parenthesis.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICKS;
  } catch {
    return NaN;
  }
}

function machine(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = v[3]! + v[4]!;
  return { busy: (total - idle) / TICKS, total: total / TICKS };
}

/** Our own child processes whose command name is `name` (e.g. the dev server's `temporal`). */
export function childPids(name: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === name && ppid === process.pid) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

export interface CpuUse {
  seconds: number;
  /** CPU seconds per wall second (1.0 = one core busy). */
  worker: number;
  bench: number;
  temporal: number;
  /** Busy share of all cores, 0..1. */
  machineBusy: number;
}

export function startCpuMeter(workerPid: number, temporalPids: number[]): () => CpuUse {
  const t0 = Date.now();
  const w0 = processCpuSeconds(workerPid);
  const own0 = process.cpuUsage();
  const tp0 = temporalPids.reduce((a, p) => a + processCpuSeconds(p), 0);
  const m0 = machine();
  return () => {
    const seconds = (Date.now() - t0) / 1000;
    const own = process.cpuUsage(own0);
    const m1 = machine();
    return {
      seconds,
      worker: (processCpuSeconds(workerPid) - w0) / seconds,
      bench: (own.user + own.system) / 1e6 / seconds,
      temporal: (temporalPids.reduce((a, p) => a + processCpuSeconds(p), 0) - tp0) / seconds,
      machineBusy: (m1.busy - m0.busy) / (m1.total - m0.total),
    };
  };
}
