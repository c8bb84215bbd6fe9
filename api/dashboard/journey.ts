// What the dashboard asks of a running journey: its 'status' query (what it will do next)
// and the 'moveStage' signal. Pages never wait long on Temporal: the query has a short
// deadline and its absence (no worker, an older workflow without the query, an ended run)
// is shown as "unknown", not as an error.
import type { Campaign } from '../../core/campaign/schema.ts';
import { formatDuration } from '../../core/campaign/duration.ts';
import { describeStep, type JourneyDescription } from '../../core/journey/query.ts';
import { moveStageSignal } from '../../workflows/journey/types.ts';
import type { TemporalGate } from '../temporal.ts';
import { formatInstant } from './html.ts';

export const STATUS_QUERY_TIMEOUT_MS = 1500;

export type LiveStatus =
  | {
      ok: true;
      stage: string | null;
      next: JourneyDescription['next'];
      stallCheck: JourneyDescription['stallCheck'];
      ended: JourneyDescription['ended'];
      summary: string;
    }
  | { ok: false; reason: string };

/** The journey's own answer; tolerates workflows whose 'status' is older or absent. */
export async function queryStatus(
  gate: TemporalGate,
  workflowId: string,
  timeoutMs = STATUS_QUERY_TIMEOUT_MS,
): Promise<LiveStatus> {
  try {
    const answer = await gate.client.connection.withDeadline(Date.now() + timeoutMs, () =>
      gate.client.workflow.getHandle(workflowId).query<unknown>('status'),
    );
    const d = answer as Partial<JourneyDescription> | null;
    if (!d || typeof d !== 'object') return { ok: false, reason: 'the journey gave no status' };
    const next = d.next ?? null;
    const stallCheck = d.stallCheck ?? null;
    const ended = d.ended ?? null;
    return { ok: true, stage: d.stage ?? null, next, stallCheck, ended, summary: summarize(next, stallCheck, ended) };
  } catch (err) {
    const e = err as { name?: string; message?: string; code?: number };
    const reason =
      e.name === 'WorkflowNotFoundError'
        ? 'no such journey in Temporal'
        : /deadline|timed? ?out/i.test(e.message ?? '')
          ? 'the journey did not answer in time (is a worker running?)'
          : `status unavailable: ${e.message ?? String(err)}`;
    return { ok: false, reason };
  }
}

export function summarize(
  next: JourneyDescription['next'],
  stallCheck: JourneyDescription['stallCheck'],
  ended: JourneyDescription['ended'],
): string {
  if (ended) return `ended (${ended.kind}): ${ended.reason}`;
  const parts: string[] = [];
  if (next)
    parts.push(next.at ? `${next.step} until ${formatInstant(next.at)}` : next.waiting ? `${next.step} (waiting)` : next.step);
  if (stallCheck) parts.push(`${stallCheck.kind === 'dormant' ? 'dormant' : 'stall check'} at ${formatInstant(stallCheck.at)}`);
  return parts.join('; ') || 'nothing scheduled';
}

/**
 * What the campaign file says happens to a lead stalled in `stage`, without asking Temporal:
 * the re-engagement steps, and when it turns dormant if nothing happens.
 */
export function stallPlan(
  campaign: Campaign | undefined,
  stage: string | null,
  stalledSince: Date | null,
): { text: string; dormantAt: string | null } {
  const rule = campaign && stage ? campaign.stages[stage]?.stall : undefined;
  if (!rule) return { text: campaign ? 'no stall rule for this stage' : 'campaign file not found', dormantAt: null };
  const steps = (rule.reengage ?? []).map(describeStep);
  const dormantAt = rule.dormantAfter && stalledSince ? new Date(stalledSince.getTime() + rule.dormantAfter).toISOString() : null;
  const parts = [
    steps.length ? `re-engage: ${steps.join(', ')}` : 'no re-engagement steps',
    rule.dormantAfter ? `dormant after ${formatDuration(rule.dormantAfter)} more without engagement` : 'never turns dormant',
  ];
  return { text: parts.join('; '), dormantAt };
}

/** The stage after `stage` in the campaign's order (the usual "move on" target). */
export function nextStage(campaign: Campaign | undefined, stage: string | null): string | undefined {
  if (!campaign) return undefined;
  const names = Object.keys(campaign.stages);
  const i = stage ? names.indexOf(stage) : -1;
  return names[i + 1];
}

/** Signals the journey; the workflow records the stage change with `actor` when it applies it. */
export async function moveStage(
  gate: TemporalGate,
  workflowId: string,
  move: { to: string; actor: string; reason?: string },
): Promise<void> {
  await gate.client.connection.withDeadline(Date.now() + gate.timeoutMs, () =>
    gate.client.workflow.getHandle(workflowId).signal(moveStageSignal, move),
  );
}
