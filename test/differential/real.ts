// One generated case on the real stack: the campaign file written where the API reads
// campaigns, the lead enrolled through the signed signup webhook, the script played through
// the events webhook (moves as the dashboard's signal, signups through the webhook again), and
// the journey's timeline read back from what its activities wrote to PostgreSQL and from the
// SMTP inbox. Each scripted item is fired relative to the real moment of the entry or item it
// follows in the simulated timeline, so real latency does not pile up over a journey.
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestStack } from '../support/stack.ts';
import { moveStageSignal, statusQuery } from '../../workflows/journey/types.ts';
import type { JourneyResult } from '../../core/journey/effects.ts';
import { DEFAULT_MOVE_REASON } from '../../core/journey/simulate.ts';
import { campaignFile, settle, type PreparedCase } from './case.ts';
import {
  compareTimelines,
  discountDetail,
  TIME_TOLERANCE_MS,
  endDetail,
  normalStepKey,
  simulatedEntries,
  type Entry,
  type EntryKind,
} from './compare.ts';
import type { DiffCase, ScriptItem } from './generate.ts';

const POLL_MS = 100;
/** How long the real journey may lag the simulated one before it counts as stuck. */
const STUCK_MS = 30_000;

export interface CaseOutcome {
  prepared: PreparedCase;
  problems: string[];
  sim: Entry[];
  real: Entry[];
  /** How far each entry's time was from the simulator's, measured from what came before it. */
  gapsMs: number[];
  /** Whether the timelines were compared only up to a race of two timers (see PreparedCase). */
  raced: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface Ref {
  workflowId: string;
  leadId: string;
  campaignId: string;
}

/** What the journey's activities wrote, as entries in time order. */
async function realEntries(stack: TestStack, ref: Ref): Promise<Entry[]> {
  const rows = await stack.db.$queryRaw<
    Array<{
      kind: EntryKind;
      at: Date;
      key: string;
      stage: string | null;
      detail: string;
      percent: number | null;
      until: Date | null;
    }>
  >`
    SELECT 'send' AS kind, sent_at AS at, idempotency_key AS key, stage, template_id AS detail, NULL::int AS percent, NULL::timestamptz AS until
      FROM sent_messages WHERE workflow_id = ${ref.workflowId} AND status = 'sent'
    UNION ALL
    SELECT 'stage', occurred_at, idempotency_key, to_stage, coalesce(from_stage, 'start') || ' -> ' || to_stage || ': ' || reason, NULL, NULL
      FROM stage_changes WHERE workflow_id = ${ref.workflowId}
    UNION ALL
    SELECT 'flag', created_at, idempotency_key, stage, kind || ': ' || reason, NULL, NULL
      FROM lead_flags WHERE workflow_id = ${ref.workflowId}
    UNION ALL
    SELECT 'notify', created_at, idempotency_key, NULL, 'sales (' || target || '): ' || reason, NULL, NULL
      FROM sales_notifications WHERE lead_id = ${ref.leadId}::uuid AND campaign_id = ${ref.campaignId}
    UNION ALL
    SELECT 'discount', created_at, idempotency_key, NULL, '', percent, expires_at
      FROM discount_codes WHERE lead_id = ${ref.leadId}::uuid AND campaign_id = ${ref.campaignId}
    ORDER BY at, kind`;
  return rows.map((r) => ({
    at: r.at.getTime(),
    kind: r.kind,
    stepKey: normalStepKey(r.key.split('#')[1]),
    stage: r.stage,
    detail: r.kind === 'discount' ? discountDetail(r.percent!, r.until!.getTime() - r.at.getTime()) : r.detail,
  }));
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = STUCK_MS): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined || Date.now() > until) return v;
    await sleep(POLL_MS);
  }
}

export async function runCase(stack: TestStack, campaignsDir: string, c: DiffCase, id: string): Promise<CaseOutcome> {
  const { yaml, campaign } = campaignFile(c, id, Date.now());
  fs.writeFileSync(path.join(campaignsDir, `${id}.yaml`), yaml);
  const email = `${id}@example.com`;
  const signup = { email, campaign: id, ...c.lead };
  const res = await stack.post('/webhooks/signup', signup);
  if (res.status !== 202) throw new Error(`signup for ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  const ref: Ref = { workflowId: res.body.workflowId as string, leadId: res.body.leadId as string, campaignId: id };
  const handle = stack.temporal.workflow.getHandle(ref.workflowId);

  // The journey's start is the workflow time of its first stage change.
  const first = await waitFor(async () => (await realEntries(stack, ref))[0]);
  if (first === undefined) throw new Error(`${id}: the journey never entered its first stage`);
  const start = first.at;
  const lead = { id: ref.leadId, email, ...c.lead };
  const settled = await settle({ campaign, lead, script: c.script }, start);
  const prepared: PreparedCase = { source: c, id, yaml, campaign, lead, start, ...settled };
  const sim = simulatedEntries(settled.timeline);

  // Play the script, each item anchored to what precedes it in the simulated timeline.
  const fired: number[] = [];
  let diverged = false;
  const raced = prepared.comparedBefore !== undefined;
  const until = start + (prepared.comparedBefore ?? Infinity);
  for (const [k, item] of prepared.script.entries()) {
    const at = start + item.at;
    if (at >= until) break;
    // Entries at the item's own instant are its effects; busy instants are MARGIN_MS apart.
    const i = sim.findLastIndex((e) => e.at < at && e.kind !== 'end');
    const prevItem = k > 0 ? { sim: start + prepared.script[k - 1]!.at, real: fired[k - 1]! } : undefined;
    let anchor = { sim: start, real: start };
    if (i >= 0) {
      const seen = await waitFor(async () => {
        const real = await realEntries(stack, ref);
        return real.length > i ? real : undefined;
      });
      if (seen === undefined || seen.slice(0, i + 1).some((e, j) => e.kind !== sim[j]!.kind || e.detail !== sim[j]!.detail)) {
        diverged = true;
        break;
      }
      anchor = { sim: sim[i]!.at, real: seen[i]!.at };
    }
    if (prevItem && prevItem.sim >= anchor.sim) anchor = prevItem;
    await sleep(anchor.real + (at - anchor.sim) - Date.now());
    fired.push(Date.now());
    await fire(stack, ref, email, signup, item);
  }

  // Let the journey run to where the simulation ended, then stop it if it still runs.
  const simEnd = sim.at(-1);
  const lag = async () => {
    const real = await realEntries(stack, ref);
    const j = Math.min(real.length, sim.length) - 1;
    return j >= 0 ? Math.max(0, real[j]!.at - sim[j]!.at) : 0;
  };
  if (!diverged && raced) {
    await sleep(until + (await lag()) - Date.now() + TIME_TOLERANCE_MS);
  } else if (!diverged && simEnd?.kind === 'end' && !simEnd.detail.startsWith('waiting')) {
    // result() long-polls Temporal; a journey that never ends is given up on after STUCK_MS.
    const late = simEnd.at + (await lag()) - Date.now() + STUCK_MS;
    await Promise.race([handle.result().catch(() => undefined), sleep(late)]);
  } else if (!diverged) {
    await sleep(start + settled.horizonMs + (await lag()) - Date.now());
  }
  const description = await handle.describe();
  let end: Entry;
  const real = await realEntries(stack, ref);
  const horizon = start + settled.horizonMs + (await lag());
  const inPeriod = real.filter((e) => e.at <= horizon);
  if (description.status.name === 'COMPLETED') {
    const result = (await handle.result()) as JourneyResult;
    const row = await stack.db.enrollment.findUnique({ where: { workflowId: ref.workflowId } });
    end = {
      at: row?.endedAt?.getTime() ?? 0,
      kind: 'end',
      stepKey: null,
      stage: null,
      detail: endDetail(result.kind, 'reason' in result ? result.reason : '', null),
    };
  } else {
    if (description.status.name === 'RUNNING') await handle.terminate('differential test: the simulated period is over');
    const stage = inPeriod.filter((e) => e.kind === 'stage').at(-1)?.stage ?? null;
    end = {
      at: horizon,
      kind: 'end',
      stepKey: null,
      stage: null,
      detail: description.status.name === 'RUNNING' ? endDetail('waiting', '', stage) : `workflow ${description.status.name}`,
    };
  }
  const realAll = [...inPeriod, end];
  // Before a race both sides must agree entry by entry; after it neither is wrong.
  const simCompared = raced ? sim.filter((e) => e.at < until && e.kind !== 'end') : sim;
  const realCompared = raced ? realAll.slice(0, simCompared.length) : realAll;
  const compared = compareTimelines(simCompared, realCompared, {
    sim: prepared.script.map((s) => start + s.at),
    real: fired,
  });
  const problems = [...compared.problems];
  if (diverged && problems.length === 0)
    problems.push('the workflow did not reach an entry the simulator had before a scripted item');

  // Every send the journey recorded reached the SMTP server.
  const sent = await stack.db.sentMessage.findMany({ where: { workflowId: ref.workflowId, status: 'sent' } });
  const inbox = stack.inbox.messages().filter((m) => m.to.includes(email));
  for (const s of sent) {
    if (!inbox.some((m) => m.raw.includes(s.messageId)))
      problems.push(`sent ${s.templateId} (${s.messageId}) is not in the SMTP inbox`);
  }
  if (process.env.DIFFERENTIAL_DEBUG && problems.length > 0) {
    const status = await handle.query(statusQuery).catch((e: unknown) => String(e));
    console.log(`${id} journey status: ${JSON.stringify(status)}`);
  }
  fs.rmSync(path.join(campaignsDir, `${id}.yaml`), { force: true });
  return { prepared, problems, sim, real: realAll, gapsMs: compared.gapsMs, raced };
}

async function fire(stack: TestStack, ref: Ref, email: string, signup: Record<string, unknown>, item: ScriptItem): Promise<void> {
  if ('move' in item) {
    // As the dashboard does it; a journey that has ended cannot be moved (the dashboard says 409).
    const handle = stack.temporal.workflow.getHandle(ref.workflowId);
    if ((await handle.describe()).status.name !== 'RUNNING') return;
    await handle
      .signal(moveStageSignal, { to: item.move, actor: 'differential', reason: DEFAULT_MOVE_REASON })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
    return;
  }
  const res =
    'signup' in item
      ? await stack.post('/webhooks/signup', signup)
      : await stack.post('/webhooks/events', {
          email,
          eventId: `${ref.campaignId}-${item.id}`,
          type: item.event.type,
          occurredAt: new Date().toISOString(),
          ...(item.event.data ? { data: item.event.data } : {}),
        });
  if (process.env.DIFFERENTIAL_DEBUG)
    console.log(
      `${ref.campaignId} fired ${JSON.stringify(item)} at ${new Date().toISOString()}: ${res.status} ${JSON.stringify(res.body)}`,
    );
  if (res.status >= 300)
    throw new Error(`${ref.campaignId}: ${JSON.stringify(item)} answered ${res.status}: ${JSON.stringify(res.body)}`);
}
