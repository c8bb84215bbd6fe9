// Finishes or clears what a signup left half done. A signup writes its enrollment row `pending`,
// asks Temporal to start the journey, then marks the row `active` (api/consent.ts); a crash or
// an unanswered sender in between leaves the row pending. Once a pending row is older than any
// signup request can take, Temporal is asked whether its journey exists:
//   - running → the row is `active` (the API died before it could say so);
//   - closed  → the row takes the journey's end (the run ended before its row existed);
//   - none    → the row is removed: nothing of the enrollment is kept. The lead row and its
//               consent history stay (a later signup reaches the same lead).
// Each write is guarded (only a row still pending, and a removal only if no signup attempt
// touched the row since it was read), so several workers running this at once, a signup retry
// and the journey's own first stage change can interleave in any order.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { JourneyResult } from '../core/journey/effects.ts';
import type { Db } from '../infra/db.ts';
import type { TemporalGate } from '../workflows/journey/client.ts';

/**
 * How old a pending row must be before it is judged. A signup request holds its row for a few
 * statements and one Temporal call bounded by the API's deadline (DEFAULT_TEMPORAL_TIMEOUT_MS,
 * 5 s): ten minutes is far beyond that, also for a request that waited for a pool connection.
 */
export const PENDING_GRACE_MS = 10 * 60_000;
/** How often a worker looks. Pending rows are rare: the look is one indexed query. */
const RECONCILE_EVERY_MS = 60_000;
/** Rows judged per pass; the rest wait for the next one. */
const BATCH = 100;
/** Temporal calls that failed one after another before a pass gives up. */
const MAX_FAILURES_IN_A_ROW = 3;

export interface ReconcileCounts {
  /** pending rows older than the grace period that were looked at */
  checked: number;
  /** journey running: marked active */
  started: number;
  /** journey closed: the row took its end */
  ended: number;
  /** no journey: the row was removed */
  removed: number;
  /** left pending: Temporal did not answer, or a signup attempt touched the row meanwhile */
  left: number;
}

interface ReconcileDeps {
  db: Db;
  temporal: TemporalGate;
}

type Judgement = { kind: 'running' } | { kind: 'closed'; status: string; at: Date } | { kind: 'none' };

/** One pass over the pending rows older than `graceMs`. Throws only if PostgreSQL fails. */
export async function reconcilePendingEnrollments(
  { db, temporal }: ReconcileDeps,
  { graceMs = PENDING_GRACE_MS }: { graceMs?: number } = {},
): Promise<ReconcileCounts> {
  const rows = await db.enrollment.findMany({
    where: { status: 'pending', enrolledAt: { lte: new Date(Date.now() - graceMs) } },
    select: { id: true, workflowId: true, enrolledAt: true },
    orderBy: { enrolledAt: 'asc' },
    take: BATCH,
  });
  const counts: ReconcileCounts = { checked: rows.length, started: 0, ended: 0, removed: 0, left: 0 };
  let failuresInARow = 0;
  for (const [i, row] of rows.entries()) {
    let judgement: Judgement;
    try {
      judgement = await judge(temporal, row.workflowId);
      failuresInARow = 0;
    } catch {
      // One journey Temporal cannot tell about must not hold up the others; several in a row
      // mean Temporal is unavailable, and each try costs a deadline: the rest waits.
      if (++failuresInARow < MAX_FAILURES_IN_A_ROW) {
        counts.left++;
        continue;
      }
      counts.left += rows.length - i;
      break;
    }
    const pending = { id: row.id, status: 'pending' };
    if (judgement.kind === 'running') {
      const { count } = await db.enrollment.updateMany({ where: pending, data: { status: 'active' } });
      counts.started += count;
    } else if (judgement.kind === 'closed') {
      const { count } = await db.enrollment.updateMany({
        where: pending,
        data: { status: judgement.status, endedAt: judgement.at },
      });
      counts.ended += count;
    } else {
      // Unchanged since it was read: a signup attempt touches enrolled_at before asking Temporal.
      const { count } = await db.enrollment.deleteMany({ where: { ...pending, enrolledAt: row.enrolledAt } });
      counts.removed += count;
      counts.left += 1 - count;
    }
  }
  return counts;
}

async function judge(temporal: TemporalGate, workflowId: string): Promise<Judgement> {
  const bounded = <T>(fn: () => Promise<T>) => temporal.client.connection.withDeadline(Date.now() + temporal.timeoutMs, fn);
  const handle = temporal.client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await bounded(() => handle.describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { kind: 'none' };
    throw err;
  }
  const { name } = description.status;
  // Continued as new: the chain goes on in a later run.
  if (name === 'RUNNING' || name === 'CONTINUED_AS_NEW') return { kind: 'running' };
  const at = description.closeTime ?? new Date();
  if (name === 'COMPLETED') {
    // A completed run returns its journey's end (a run that continues as new does not complete).
    const result = (await bounded(() => handle.result())) as Extract<JourneyResult, { reason: string }>;
    return { kind: 'closed', status: result.kind, at };
  }
  // Terminated, cancelled, failed or timed out: the journey stopped without reaching an end of
  // its own; for the funnel the lead left it.
  return { kind: 'closed', status: 'exited', at };
}

export interface RunningReconciler {
  stop(): Promise<void>;
}

/**
 * Runs a pass every `everyMs` until stopped, and logs what a pass changed (counts only: a
 * row's lead is personal data). A failed pass (PostgreSQL unavailable) is logged and retried.
 */
export function startEnrollmentReconciler(
  deps: ReconcileDeps,
  opts: { everyMs?: number; graceMs?: number; log?: (message: string) => void } = {},
): RunningReconciler {
  const everyMs = opts.everyMs ?? RECONCILE_EVERY_MS;
  const log = opts.log ?? ((m: string) => console.info(m));
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();
  let stopped = false;
  const schedule = () => {
    timer = setTimeout(() => {
      pass = runPass().finally(() => {
        if (!stopped) schedule();
      });
    }, everyMs);
  };
  const runPass = async () => {
    try {
      const c = await reconcilePendingEnrollments(deps, { graceMs: opts.graceMs });
      if (c.checked > 0) {
        log(
          `enrollment reconciler: ${c.checked} pending enrollments: ${c.started} active, ${c.ended} ended, ${c.removed} removed, ${c.left} left for the next pass`,
        );
      }
    } catch (err) {
      log(`enrollment reconciler: pass failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
