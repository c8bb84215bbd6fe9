// The chaos run's verdict, read from PostgreSQL, the sink and Temporal once the faults have
// stopped and the stack has settled. Each figure is defined here and in docs/chaos.md:
//
// enrolled N: planned signups some delivery of which was answered 2xx.
// lost L: an enrolled signup whose address has no lead row, or whose journey
//   (journey/chaos/<leadId>) Temporal does not know, or whose welcome email never reached the
//   sink, unless the sink refused the address (550) or the address was unsubscribed before any
//   welcome was claimed (no welcome row, or one left `suppressed`).
// duplicate emails D: a (recipient, step) that reached the sink under two or more different
//   Message-IDs, plus one that reached it twice under the same Message-ID where no fault
//   explains the second copy. Explained: the sink reset the first copy's connection after
//   keeping it (the sender never heard the 250), or the worker that sent the first copy was
//   SIGKILLed within GAP_MS of the sink keeping it: after (a crash inside the accepted-to-recorded gap:
//   an SMTP server cannot be asked whether it already has a message, so the resend is the
//   documented gap), or before (the message's last bytes were still on their way when the
//   sender died, so it never heard the 250). Explained redeliveries are reported separately.
// sent after unsubscribe U: an email that reached the sink whose claim
//   (sent_messages.claimed_at) came after the address's `unsubscribed` suppression was recorded.
// stuck S: once the stack has settled (nothing left, or nothing moved for --settle-minutes),
//   journeys still running (they all should have finished), sent_messages rows left `claimed`,
//   and enrollments left `pending`/`active` without a running journey; the sum of the three.
// nondeterminism X: journeys whose history records a workflow task failed for nondeterminism,
//   together with journeys a worker log line names as failing for it (a line naming none counts
//   once).
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import proto from '@temporalio/proto'; // CommonJS: named values only through the default
import { pool } from '../../bench/measure.ts';
import type { Db } from '../../infra/db.ts';
import type { LeadOutcome } from './driver.ts';
import type { SinkMessage } from './sink.ts';
import { CHAOS_CAMPAIGN_ID, type KillRecord } from './stack.ts';
import { journeyWorkflowId } from '../../workflows/journey/types.ts';

const FAULT_NAMES: Record<NonNullable<SinkMessage['fault']>, string> = {
  reset: 'connection reset after DATA, no 250',
  'gap-kill': 'answered 250, then its worker was killed in the gap',
  slow: 'slow 250',
};

/** A worker killed this soon after the sink kept its message died inside the gap. */
const GAP_MS = 5000;

const NONDETERMINISM = proto.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR;

export interface Figures {
  enrolled: number;
  lost: number;
  duplicates: number;
  sentAfterUnsubscribe: number;
  stuck: number;
  nondeterminism: number;
}

export interface Verdict {
  figures: Figures;
  /** Human-readable detail: the concrete cases behind every non-zero figure, and more. */
  report: string[];
}

export function verdictLine(f: Figures): string {
  return `chaos: enrolled ${f.enrolled}, lost ${f.lost}, duplicate emails ${f.duplicates}, sent after unsubscribe ${f.sentAfterUnsubscribe}, stuck ${f.stuck}, nondeterminism ${f.nondeterminism}`;
}

/** What is still unsettled: running journeys, claimed rows, pending/active enrollments. */
export async function unsettled(db: Db, temporal: Client): Promise<{ running: number; claimed: number; open: number }> {
  const [running, claimed, open] = await Promise.all([
    temporal.workflow.count(`ExecutionStatus = 'Running'`).then((c) => c.count),
    db.sentMessage.count({ where: { status: 'claimed' } }),
    db.enrollment.count({ where: { status: { in: ['pending', 'active'] } } }),
  ]);
  return { running, claimed, open };
}

export async function check(opts: {
  outcomes: LeadOutcome[];
  sink: readonly SinkMessage[];
  kills: readonly KillRecord[];
  db: Db;
  temporal: Client;
  logDir: string;
}): Promise<Verdict> {
  const { outcomes, db, temporal } = opts;
  const report: string[] = [];
  const casesFile = path.join(opts.logDir, 'cases.txt');
  const cases = (title: string, items: string[]) => {
    if (items.length === 0) return;
    report.push(`${title} (${items.length}):`, ...items.slice(0, 20).map((i) => `  ${i}`));
    if (items.length > 20) report.push(`  … and ${items.length - 20} more (all in ${casesFile})`);
    fs.appendFileSync(casesFile, [`${title} (${items.length}):`, ...items.map((i) => `  ${i}`), ''].join('\n'));
  };

  const [leads, rows, suppressions, enrollments] = await Promise.all([
    db.lead.findMany({ select: { id: true, email: true } }),
    db.sentMessage.findMany(),
    db.suppression.findMany(),
    db.enrollment.findMany(),
  ]);
  const executions = new Map<string, { runId: string; status: string }[]>();
  for await (const w of temporal.workflow.list()) {
    const runs = executions.get(w.workflowId) ?? [];
    runs.push({ runId: w.runId, status: w.status.name });
    executions.set(w.workflowId, runs);
  }
  const leadByEmail = new Map(leads.map((l) => [l.email, l.id]));
  const suppressionOf = new Map(suppressions.map((s) => [s.email, s]));
  const keptSteps = new Set(opts.sink.flatMap((m) => (m.step ? [m.step] : [])));
  const copiesById = new Map<string, SinkMessage[]>();
  for (const m of opts.sink) copiesById.set(m.messageId, [...(copiesById.get(m.messageId) ?? []), m]);
  const sinkSaw = (messageId: string) =>
    (copiesById.get(messageId) ?? [])
      .map((m) => `kept from ${m.slot}${m.fault ? ` (${FAULT_NAMES[m.fault]})` : ''}`)
      .join(', ') || 'the sink has no copy';
  const welcomeOf = new Map(rows.filter((r) => r.templateId === 'welcome').map((r) => [r.workflowId, r]));

  // lost
  const enrolled = outcomes.filter((o) => o.enrolled);
  const lost: string[] = [];
  for (const o of enrolled) {
    const leadId = leadByEmail.get(o.plan.email);
    if (!leadId) {
      lost.push(`lead #${o.plan.index}: answered 2xx, no lead row`);
      continue;
    }
    const workflowId = journeyWorkflowId(CHAOS_CAMPAIGN_ID, leadId);
    if (!executions.has(workflowId)) {
      lost.push(
        `${workflowId}: answered 2xx, no journey in Temporal (enrollment ${enrollments.find((e) => e.workflowId === workflowId)?.status ?? 'none'})`,
      );
      continue;
    }
    const welcome = welcomeOf.get(workflowId);
    if (welcome && keptSteps.has(welcome.idempotencyKey)) continue;
    if (o.plan.refused) continue;
    const unsubscribed = suppressionOf.get(o.plan.email)?.reason === 'unsubscribed';
    if (unsubscribed && (!welcome || welcome.status === 'suppressed')) continue;
    lost.push(
      `${workflowId}: no welcome reached the sink (welcome row: ${welcome ? `${welcome.status} ${welcome.reason ?? ''}`.trim() : 'none'}; journey ${executions
        .get(workflowId)!
        .map((r) => r.status)
        .join('/')})`,
    );
  }
  cases('lost', lost);

  // duplicate emails
  const killsOf = (slot: string) => opts.kills.filter((k) => k.what === slot);
  const groups = new Map<string, SinkMessage[]>();
  for (const m of opts.sink) {
    if (!m.step) continue;
    const key = `${m.to} ${m.step.slice(m.step.indexOf('#') + 1)}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const duplicates: string[] = [];
  const redelivered: Record<string, number> = { reset: 0, 'gap-kill': 0, 'worker kill': 0 };
  for (const copies of groups.values()) {
    if (copies.length < 2) continue;
    const ids = new Set(copies.map((m) => m.messageId));
    const step = copies[0]!.step!;
    if (ids.size > 1) {
      duplicates.push(`${step}: ${ids.size} different Message-IDs (${[...ids].join(', ')})`);
      continue;
    }
    const unexplained: string[] = [];
    for (let i = 1; i < copies.length; i++) {
      const prev = copies[i - 1]!;
      const cause =
        prev.fault === 'reset' || prev.fault === 'gap-kill'
          ? prev.fault
          : killsOf(prev.slot).some((k) => Math.abs(k.at - prev.keptAt) <= GAP_MS)
            ? 'worker kill'
            : undefined;
      if (cause) redelivered[cause]!++;
      else
        unexplained.push(
          `copy ${i + 1} at +${copies[i]!.keptAt - prev.keptAt} ms after one kept from ${prev.slot}${prev.fault ? ` (${prev.fault})` : ''}`,
        );
    }
    if (unexplained.length > 0)
      duplicates.push(`${step}: ${copies.length} copies of ${copies[0]!.messageId}, unexplained: ${unexplained.join('; ')}`);
  }
  cases('duplicate emails', duplicates);
  report.push(
    `same-Message-ID redeliveries explained by a fault (the documented gap, not counted in D): after a reset ${redelivered.reset}, after a gap kill ${redelivered['gap-kill']}, after a worker kill within ${GAP_MS} ms of the copy ${redelivered['worker kill']}`,
  );

  // sent after unsubscribe: a copy the sink kept before the unsubscribe does not count, even
  // when the row was claimed again later (a lease that ran out).
  const afterUnsubscribe = rows.flatMap((r) => {
    const s = suppressionOf.get(r.toAddress);
    if (!s || s.reason !== 'unsubscribed' || r.claimedAt <= s.createdAt) return [];
    const late = (copiesById.get(r.messageId) ?? []).filter((m) => m.keptAt > s.createdAt.getTime());
    if (late.length === 0) return [];
    const kept = late.map((m) => new Date(m.keptAt).toISOString()).join(', ');
    return [
      `${r.idempotencyKey} (${r.templateId}): claimed ${r.claimedAt.toISOString()}, unsubscribed ${s.createdAt.toISOString()}, kept by the sink ${kept}`,
    ];
  });
  cases('sent after unsubscribe', afterUnsubscribe);

  // stuck
  const running = new Set([...executions].filter(([, runs]) => runs.some((r) => r.status === 'RUNNING')).map(([id]) => id));
  const claimed = rows.filter((r) => r.status === 'claimed');
  const stuck = [
    ...(await Promise.all(
      [...running].map(async (id, i) => `${id}: journey still running${i < 50 ? await waitingOn(temporal, id) : ''}`),
    )),
    ...claimed.map(
      (r) => `${r.idempotencyKey}: sent_messages row left claimed since ${r.claimedAt.toISOString()}; ${sinkSaw(r.messageId)}`,
    ),
    ...enrollments
      .filter((e) => (e.status === 'pending' || e.status === 'active') && !running.has(e.workflowId))
      .map(
        (e) =>
          `${e.workflowId}: enrollment ${e.status} without a running journey (${
            executions
              .get(e.workflowId)
              ?.map((r) => r.status)
              .join('/') ?? 'none in Temporal'
          })`,
      ),
  ];
  cases(
    `stuck: ${running.size} journeys running, ${claimed.length} sends claimed, ${stuck.length - running.size - claimed.length} enrollments without a running journey`,
    stuck,
  );

  // nondeterminism
  const nondeterministic = new Set<string>();
  const all = [...executions].flatMap(([workflowId, runs]) => runs.map((r) => ({ workflowId, runId: r.runId })));
  await pool(all.length, 16, async (i) => {
    const { workflowId, runId } = all[i]!;
    const history = await temporal.workflow.getHandle(workflowId, runId).fetchHistory();
    if (history.events?.some((e) => e.workflowTaskFailedEventAttributes?.cause === NONDETERMINISM))
      nondeterministic.add(workflowId);
  });
  let unnamed = 0;
  for (const file of fs.readdirSync(opts.logDir).filter((f) => f.startsWith('worker'))) {
    for (const line of fs.readFileSync(path.join(opts.logDir, file), 'utf8').split('\n')) {
      if (!/nondetermin|TMPRL1100/i.test(line)) continue;
      const id = new RegExp(`${journeyWorkflowId(CHAOS_CAMPAIGN_ID, '')}[0-9a-f-]{36}`).exec(line)?.[0];
      if (id) nondeterministic.add(id);
      else unnamed++;
    }
  }
  cases('nondeterminism', [...nondeterministic]);
  if (unnamed) report.push(`nondeterminism: ${unnamed} worker log line(s) name no journey (see ${opts.logDir})`);

  return {
    figures: {
      enrolled: enrolled.length,
      lost: lost.length,
      duplicates: duplicates.length,
      sentAfterUnsubscribe: afterUnsubscribe.length,
      stuck: stuck.length,
      nondeterminism: nondeterministic.size + unnamed,
    },
    report,
  };
}

/** What a running journey waits for: its pending activities, their attempts and last failure. */
async function waitingOn(temporal: Client, workflowId: string): Promise<string> {
  try {
    const pending = (await temporal.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
    if (pending.length === 0) return ' (no activity pending: a timer or a workflow task)';
    const parts = await Promise.all(
      pending.map(async (a) => {
        // Failures are encrypted in Temporal (infra/payload-codec.ts): decoded with the client's key.
        const failure = await decodeOptionalFailureToOptionalError(temporal.options.loadedDataConverter, a.lastFailure);
        const last = failure ? `, last failure: ${failure.message.replace(/\s+/g, ' ').slice(0, 200)}` : '';
        return `${a.activityType?.name ?? '?'} attempt ${a.attempt ?? '?'}${last}`;
      }),
    );
    return ` (pending: ${parts.join('; ')})`;
  } catch (err) {
    return ` (describe failed: ${err instanceof Error ? err.message : String(err)})`;
  }
}
