// What the dashboard shows of a running journey: its own answer to the `status` query (what
// it will do next), in a sentence.
// Pages never wait long on Temporal: the query has a short deadline and its absence (no
// worker, an ended run) is shown as "unknown", not as an error.
import type { JourneyDescription } from '../../core/journey/query.ts';
import { describeJourneyNow, type TemporalGate } from '../../workflows/journey/client.ts';
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

/** The journey's own answer, or why there is none. */
export async function liveStatus(gate: TemporalGate, workflowId: string): Promise<LiveStatus> {
  try {
    const d = await describeJourneyNow(gate, workflowId, STATUS_QUERY_TIMEOUT_MS);
    // A journey started by an older release may answer with fewer fields.
    const [next, stallCheck, ended] = [d.next ?? null, d.stallCheck ?? null, d.ended ?? null];
    return { ok: true, stage: d.stage ?? null, next, stallCheck, ended, summary: summarize(next, stallCheck, ended) };
  } catch (err) {
    const e = err as { name?: string; message?: string };
    const reason =
      e.name === 'WorkflowNotFoundError'
        ? 'no such journey in Temporal'
        : /deadline|timed? ?out/i.test(e.message ?? '')
          ? 'the journey did not answer in time (is a worker running?)'
          : `status unavailable: ${e.message ?? String(err)}`;
    return { ok: false, reason };
  }
}

function summarize(
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
