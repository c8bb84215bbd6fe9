// One round each: the bare baseline (client starts -> no-op activity) and Nurture (signed
// signup webhooks -> welcome email in the SMTP inbox), plus waiting for the worker to go
// quiet and reading its memory.
import { computeSignature } from '../infra/signature.ts';
import type { WorkerChild, ProcMemory } from './child.ts';
import { percentile, pool, sleep, waitForCount } from './measure.ts';
import { BENCH_CAMPAIGN_ID, type BenchStack } from './stack.ts';

export interface Throughput {
  n: number;
  /** Seconds from the first request until the last was accepted. */
  acceptSeconds: number;
  /** Seconds from the first request until the n-th first effect (no-op ran / email received). */
  effectSeconds: number;
  acceptLatencyMs: { p50: number; p95: number };
}

export const acceptRate = (t: Throughput) => t.n / t.acceptSeconds;
export const effectRate = (t: Throughput) => t.n / t.effectSeconds;

export interface MemoryReading extends ProcMemory {
  cachedWorkflows: number;
  heapUsedMb: number;
}

/** A few bare workflows, so that every worker child is measured past its cold start. */
export async function warmUp(stack: BenchStack, child: WorkerChild, tag: string, n = 32): Promise<void> {
  const before = (await child.status()).effects;
  await pool(n, 16, async (i) => {
    await stack.temporal.workflow.start('benchBareWorkflow', {
      workflowId: `bench-warmup-${tag}-${i}`,
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    });
  });
  await waitForCount('warm-up', async () => (await child.status()).effects - before, n);
  await waitQuiet(child);
}

export async function baselineRound(
  stack: BenchStack,
  child: WorkerChild,
  n: number,
  concurrency: number,
  tag: string,
): Promise<Throughput> {
  const before = (await child.status()).effects;
  const latencies: number[] = [];
  let failure: unknown;
  let acceptedAt = 0;
  const t0 = Date.now();
  const starts = pool(n, concurrency, async (i) => {
    const t = performance.now();
    await stack.temporal.workflow.start('benchBareWorkflow', {
      workflowId: `bench-bare-${tag}-${i}`,
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    });
    latencies.push(performance.now() - t);
  }).then(
    () => void (acceptedAt = Date.now()),
    (err: unknown) => void (failure = err),
  );
  let lastEffectAt = 0;
  await waitForCount(
    'baseline: no-op activities run',
    async () => {
      const s = await child.status();
      lastEffectAt = s.lastEffectAt;
      return s.effects - before;
    },
    n,
    { aborted: () => failure },
  );
  await starts;
  if (failure) throw failure;
  return {
    n,
    acceptSeconds: (acceptedAt - t0) / 1000,
    effectSeconds: (lastEffectAt - t0) / 1000,
    acceptLatencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
  };
}

export async function nurtureRound(stack: BenchStack, n: number, concurrency: number, tag: string): Promise<Throughput> {
  const url = `${stack.api.url}/webhooks/signup`;
  const secret = stack.config.WEBHOOK_SECRET[0]!;
  const inboxBefore = stack.inbox.messages().length;
  const latencies: number[] = [];
  const refused: string[] = [];
  let failure: unknown;
  let acceptedAt = 0;
  const t0 = Date.now();
  const signups = pool(n, concurrency, async (i) => {
    const body = JSON.stringify({
      email: `lead-${tag}-${i}@bench.example`,
      firstName: 'Bench',
      source: 'bench',
      campaign: BENCH_CAMPAIGN_ID,
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const t = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'nurture-signature': `t=${timestamp},v1=${computeSignature(secret, timestamp, body)}`,
      },
      body,
    });
    const text = await res.text();
    latencies.push(performance.now() - t);
    if (res.status !== 202) refused.push(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  }).then(
    () => void (acceptedAt = Date.now()),
    (err: unknown) => void (failure = err),
  );
  await waitForCount('nurture: welcome emails in the inbox', () => stack.inbox.messages().length - inboxBefore, n, {
    // A refused signup never sends: stop waiting as soon as one is seen.
    aborted: () =>
      failure ?? (refused.length ? new Error(`signup refused (${refused.length} so far); first: ${refused[0]}`) : undefined),
  });
  await signups;
  if (failure) throw failure;
  if (refused.length) throw new Error(`${refused.length} of ${n} signups were refused; first: ${refused[0]}`);

  const round = stack.inbox.messages().slice(inboxBefore);
  const recipients = new Set(round.flatMap((m) => m.to));
  if (round.length !== n || recipients.size !== n) {
    throw new Error(`expected ${n} welcome emails to ${n} leads, got ${round.length} emails to ${recipients.size} leads`);
  }
  const lastEmailAt = Math.max(...round.map((m) => m.receivedAt.getTime()));
  return {
    n,
    acceptSeconds: (acceptedAt - t0) / 1000,
    effectSeconds: (lastEmailAt - t0) / 1000,
    acceptLatencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
  };
}

/** Until the worker has had nothing in flight (activations, activities) for a second. */
export async function waitQuiet(child: WorkerChild, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince = 0;
  for (;;) {
    const s = await child.status();
    if (s.inFlightActivations === 0 && s.inFlightActivities === 0) {
      quietSince ||= Date.now();
      if (Date.now() - quietSince >= 1000) return;
    } else {
      quietSince = 0;
    }
    if (Date.now() > deadline) throw new Error(`the worker did not go quiet within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** Every enrolled journey running in Temporal (visibility is eventually consistent: retried). */
export async function waitRunningJourneys(stack: BenchStack, expected: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const query = `WorkflowType = "journeyWorkflow" AND ExecutionStatus = "Running" AND CampaignId = "${BENCH_CAMPAIGN_ID}"`;
  for (;;) {
    const { count } = await stack.temporal.workflow.count(query);
    if (count === expected || Date.now() > deadline) return count;
    await sleep(250);
  }
}

/** The child's memory after a forced GC of its main isolate and a moment to settle. */
export async function readMemory(child: WorkerChild): Promise<MemoryReading> {
  await child.gc();
  await sleep(500);
  const s = await child.status();
  return { ...child.memory(), cachedWorkflows: s.cachedWorkflows, heapUsedMb: s.heapUsed / 1024 / 1024 };
}
