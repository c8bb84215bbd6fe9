// The API's calls into Temporal, each bounded by a deadline so that an unreachable cluster
// turns into a quick 503 instead of a hung request. A journey that has already ended is not
// an error: its lead simply has nothing left to react to the event.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { enrollLead, type EnrollResult } from '../workflows/journey/client.ts';
import { engagementSignal, type EngagementSignal } from '../workflows/journey/types.ts';
import { TemporalUnavailableError } from './errors.ts';

export const DEFAULT_TEMPORAL_TIMEOUT_MS = 5000;

export interface TemporalGate {
  client: Client;
  timeoutMs: number;
}

async function bounded<T>(gate: TemporalGate, fn: () => Promise<T>): Promise<T> {
  return gate.client.connection.withDeadline(Date.now() + gate.timeoutMs, fn);
}

export interface SignalOutcome {
  /** journeys that accepted the signal */
  signalled: number;
  /** journeys that had already ended (signal skipped) */
  ended: number;
}

/** Signals every listed journey; throws TemporalUnavailableError when any could not be reached. */
export async function signalJourneys(
  gate: TemporalGate,
  workflowIds: readonly string[],
  event: EngagementSignal,
): Promise<SignalOutcome> {
  const results = await Promise.allSettled(
    workflowIds.map((id) => bounded(gate, () => gate.client.workflow.getHandle(id).signal(engagementSignal, event))),
  );
  let signalled = 0;
  let ended = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') signalled++;
    else if (r.reason instanceof WorkflowNotFoundError) ended++;
    else throw new TemporalUnavailableError(r.reason);
  }
  return { signalled, ended };
}

export async function enrollJourney(gate: TemporalGate, opts: Parameters<typeof enrollLead>[1]): Promise<EnrollResult> {
  try {
    return await bounded(gate, () => enrollLead(gate.client, opts));
  } catch (err) {
    throw new TemporalUnavailableError(err);
  }
}
