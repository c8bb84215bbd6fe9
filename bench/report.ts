// The printed table.
import os from 'node:os';
import type { Config } from '../config/index.ts';
import type { CpuUse } from './cpu.ts';
import { acceptRate, effectRate, type MemoryReading, type Throughput } from './rounds.ts';

export interface MemoryRound {
  leads: number;
  /** Journeys of the bench campaign running (asleep) in Temporal after the round. */
  runningInTemporal: number;
  maxCachedWorkflows: number;
  /** Fresh worker after its warm-up, before the round. */
  idle: MemoryReading;
  /** Every journey of the round asleep, after a forced GC. */
  asleep: MemoryReading;
}

export interface Failures {
  byType: Record<string, number>;
  first?: string;
}

export interface Report {
  leads: number;
  concurrency: number;
  config: Config;
  baseline: Throughput;
  nurture: Throughput;
  nurtureTenth: Throughput;
  memory: [MemoryRound, MemoryRound];
  cpu: { baseline: CpuUse; nurture: CpuUse };
  /** Failed activity attempts (retried by Temporal) per round's worker. */
  failures: { baseline: Failures; nurtureTenth: Failures; nurture: Failures };
  /** 1-minute load average when the run began: other work on the machine skews every figure. */
  loadBefore: number;
  settleSeconds: number;
  seconds: number;
}

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   '))
    .join('\n');
}

export function printReport(r: Report): void {
  const { baseline: b, nurture: n, nurtureTenth: t } = r;
  const [small, large] = r.memory;
  const c = r.config;
  const lines: string[] = [];
  lines.push('');
  lines.push(
    `Nurture benchmark: N = ${r.leads} leads, ${r.concurrency} requests in flight, ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
  );
  lines.push(
    `  worker: cache ${large.maxCachedWorkflows} workflows, SMTP ${c.SMTP_MAX_CONNECTIONS} connections at most ${c.SMTP_RATE_PER_SECOND}/s, ` +
      `database pool ${c.DATABASE_POOL_MAX} (API and worker each)`,
  );
  lines.push(
    `  load average before the run: ${r.loadBefore.toFixed(2)}${r.loadBefore > 0.5 ? ' (the machine was busy with other work: figures are noisy)' : ''}`,
  );
  lines.push('  campaign: send welcome, then wait 30d; Temporal dev server in memory; the worker in its own process');
  lines.push('');
  lines.push(
    table([
      ['throughput', 'baseline (bare)', 'Nurture', 'Nurture / baseline'],
      ['accepted per second (started | signup 202)', f1(acceptRate(b)), f1(acceptRate(n)), f2(acceptRate(n) / acceptRate(b))],
      [
        'first effects per second (no-op | welcome email)',
        f1(effectRate(b)),
        f1(effectRate(n)),
        f2(effectRate(n) / effectRate(b)),
      ],
      ['time to accept all N (s)', f1(b.acceptSeconds), f1(n.acceptSeconds), ''],
      ['time to the N-th first effect (s)', f1(b.effectSeconds), f1(n.effectSeconds), ''],
      [
        'accept latency p50 / p95 (ms)',
        `${f1(b.acceptLatencyMs.p50)} / ${f1(b.acceptLatencyMs.p95)}`,
        `${f1(n.acceptLatencyMs.p50)} / ${f1(n.acceptLatencyMs.p95)}`,
        '',
      ],
    ]),
  );
  const cpu = (u: CpuUse) => `${f2(u.worker)} / ${f2(u.bench)} / ${f2(u.temporal)} / ${Math.round(u.machineBusy * 100)}%`;
  lines.push(`  CPU during the round, cores: worker / bench process (API, clients, inbox) / Temporal server / machine busy`);
  lines.push(`    baseline ${cpu(r.cpu.baseline)};  Nurture ${cpu(r.cpu.nurture)}`);
  const failed = (f: Failures) => {
    const total = Object.values(f.byType).reduce((a, b) => a + b, 0);
    return total === 0
      ? 'none'
      : `${total} (${Object.entries(f.byType)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')})`;
  };
  lines.push(
    `  failed activity attempts, retried: baseline ${failed(r.failures.baseline)}; Nurture N/10 ${failed(r.failures.nurtureTenth)}; ` +
      `Nurture N ${failed(r.failures.nurture)}`,
  );
  const first = r.failures.nurture.first ?? r.failures.nurtureTenth.first ?? r.failures.baseline.first;
  if (first) lines.push(`    first: ${first}`);
  lines.push(
    `  (the N/10 round, ${t.n} leads: ${f1(acceptRate(t))} signups/s, ${f1(effectRate(t))} emails/s; ` +
      `baseline = client start of a workflow whose one activity is a no-op, same worker)`,
  );
  lines.push('');
  const mem = (m: MemoryRound) => [
    `${m.leads} (${m.runningInTemporal} running in Temporal)`,
    `${m.asleep.cachedWorkflows}`,
    f1(m.idle.rssMb),
    f1(m.asleep.rssMb),
    f1(m.asleep.rssMb - m.idle.rssMb),
    f1(m.asleep.hwmMb),
    f1(m.asleep.heapUsedMb),
  ];
  lines.push(
    table([
      [
        'worker memory (fresh child per round)',
        'journeys asleep',
        'cached',
        'RSS idle MB',
        'RSS asleep MB',
        'growth MB',
        'peak RSS MB',
        'main heap MB',
      ],
      ['N/10', ...mem(small)],
      ['N', ...mem(large)],
    ]),
  );
  const extra = large.leads - small.leads;
  const perThousand = (mb: number) => f1((mb / extra) * 1000);
  const rssDelta = large.asleep.rssMb - small.asleep.rssMb;
  const growthDelta = large.asleep.rssMb - large.idle.rssMb - (small.asleep.rssMb - small.idle.rssMb);
  lines.push(
    `  per 1000 more sleeping journeys (N vs N/10): RSS asleep ${perThousand(rssDelta)} MB, growth over idle ${perThousand(growthDelta)} MB, ` +
      `peak RSS ${perThousand(large.asleep.hwmMb - small.asleep.hwmMb)} MB`,
  );
  const cachedDelta = large.asleep.cachedWorkflows - small.asleep.cachedWorkflows;
  if (cachedDelta > 0) {
    lines.push(
      `  the worker cached ${cachedDelta} more journeys at N (cache limit ${large.maxCachedWorkflows}): about ${f1((growthDelta / cachedDelta) * 1024)} KB ` +
        `per cached journey; beyond the limit journeys are evicted (to measure what they cost asleep, run with --cache at most N/10)`,
    );
  } else {
    lines.push(
      `  both rounds filled the cache (limit ${large.maxCachedWorkflows}): the difference is the cost of journeys asleep outside it`,
    );
  }
  lines.push(
    `  (RSS from /proc/<pid>/status once the worker had nothing in flight, ${r.settleSeconds} s later and after a forced GC of its main ` +
      "isolate; idle = the same child after warm-up, before the round; peak = VmHWM over the child's life)",
  );
  lines.push(`  total run time ${f1(r.seconds)} s`);
  console.log(lines.join('\n'));
}
