// Every call into Temporal about journeys, for the API, the dashboard and the CLI (never for
// workflow code): enroll a lead, tell journeys about engagement, ask a journey where it is,
// move a lead by hand, erase a journey. Each call goes through one deadline gate, so an unreachable cluster
// turns into a quick TemporalUnavailableError (the API answers 503) instead of a hung request.
import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ParsedCampaign } from '../../core/campaign/load.ts';
import type { LeadSnapshot } from '../../core/lead.ts';
import type { JourneyDescription } from '../../core/journey/query.ts';
import { CampaignIdKey, FunnelStageKey, StalledKey } from './search-attributes.ts';
import {
  engagementSignal,
  journeyWorkflowId,
  moveStageSignal,
  signupSignal,
  statusQuery,
  type EngagementSignal,
  type JourneyInput,
  type MoveStageSignal,
} from './types.ts';

export const DEFAULT_TEMPORAL_TIMEOUT_MS = 5000;

/** The Temporal client behind a deadline: how long one call may take. */
export interface TemporalGate {
  client: Client;
  timeoutMs: number;
}

/** Temporal did not accept a call in time: the request is retryable. */
export class TemporalUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Temporal is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TemporalUnavailableError';
  }
}

function bounded<T>(gate: TemporalGate, fn: () => Promise<T>, timeoutMs = gate.timeoutMs): Promise<T> {
  return gate.client.connection.withDeadline(Date.now() + timeoutMs, fn);
}

export interface EnrollResult {
  workflowId: string;
  /** false when the lead's journey in this campaign has already ended. */
  enrolled: boolean;
}

/**
 * Signal-with-start on a deterministic workflow id: a repeated or concurrent signup reaches
 * the same running journey. An ended journey is started again only when the campaign allows
 * re-enrollment.
 */
export async function enrollLead(
  gate: TemporalGate,
  opts: { lead: LeadSnapshot; campaign: ParsedCampaign; taskQueue: string; historyLimit?: number },
): Promise<EnrollResult> {
  const { campaign } = opts.campaign;
  const workflowId = journeyWorkflowId(campaign.id, opts.lead.id);
  const input: JourneyInput = {
    version: 1,
    lead: opts.lead,
    campaign,
    campaignVersion: opts.campaign.version,
    ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}),
  };
  try {
    await bounded(gate, () =>
      gate.client.workflow.signalWithStart('journeyWorkflow', {
        workflowId,
        taskQueue: opts.taskQueue,
        args: [input],
        signal: signupSignal,
        signalArgs: [{ lead: opts.lead, campaign, campaignVersion: opts.campaign.version }],
        workflowIdReusePolicy: campaign.allowReenrollment ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: CampaignIdKey, value: campaign.id },
          // The journey enters its first stage at once; until then it is listed there.
          { key: FunnelStageKey, value: Object.keys(campaign.stages)[0] ?? '' },
          { key: StalledKey, value: false },
        ],
      }),
    );
    return { workflowId, enrolled: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, enrolled: false };
    throw new TemporalUnavailableError(err);
  }
}

export interface SignalOutcome {
  /** journeys that accepted the signal */
  signalled: number;
  /** journeys that had already ended (signal skipped) */
  ended: number;
}

/**
 * Tells every listed journey about one engagement event. A journey that has already ended is
 * not an error: its lead simply has nothing left to react to. Throws TemporalUnavailableError
 * when any journey could not be reached.
 */
export async function signalEngagement(
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

/** A person moves the lead; the journey records the stage change with `actor` when it applies it. */
export async function moveLeadStage(gate: TemporalGate, workflowId: string, move: MoveStageSignal): Promise<void> {
  await bounded(gate, () => gate.client.workflow.getHandle(workflowId).signal(moveStageSignal, move));
}

/** The journey's own account of where it is and what it does next (its `status` query). */
export async function describeJourneyNow(
  gate: TemporalGate,
  workflowId: string,
  timeoutMs?: number,
): Promise<JourneyDescription> {
  return bounded(gate, () => gate.client.workflow.getHandle(workflowId).query(statusQuery), timeoutMs);
}

export interface ErasedJourney {
  /** a run was still open and has been terminated */
  terminated: boolean;
  /** runs deleted (every continue-as-new run and every earlier enrollment under this id) */
  deletedRuns: number;
}

const GRPC_NOT_FOUND = 5;
const notFound = (err: unknown) =>
  err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND);

/**
 * Removes a journey from Temporal for good (a person's erasure): terminates its open run, then
 * deletes every run under the workflow id, so no history keeps the lead's input, signals or
 * state. Runs are found twice over: by walking the continue-as-new chain back from the latest
 * run (independent of visibility's lag) and by a visibility query (runs of earlier enrollments
 * under the same id). Deletion itself completes asynchronously on the server. An id with no
 * execution is not an error.
 */
export async function eraseJourney(gate: TemporalGate, workflowId: string): Promise<ErasedJourney> {
  const { client } = gate;
  const namespace = client.options.namespace;
  const call = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await bounded(gate, fn);
    } catch (err) {
      if (notFound(err)) return undefined;
      throw new TemporalUnavailableError(err);
    }
  };

  // No personal data in the reason: it stays in the terminated run's last event until deletion.
  const terminated = (await call(() => client.workflow.getHandle(workflowId).terminate('erased'))) !== undefined;

  const runIds = new Set<string>();
  const latest = await call(() => client.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId } }));
  let runId = latest?.workflowExecutionInfo?.execution?.runId ?? undefined;
  while (runId && !runIds.has(runId)) {
    runIds.add(runId);
    const current = runId;
    const first = await call(() =>
      client.workflowService.getWorkflowExecutionHistory({
        namespace,
        execution: { workflowId, runId: current },
        maximumPageSize: 1,
      }),
    );
    runId = first?.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  const listed = await call(async () => {
    const ids: string[] = [];
    for await (const run of client.workflow.list({ query: `WorkflowId = ${JSON.stringify(workflowId)}` })) ids.push(run.runId);
    return ids;
  });
  for (const id of listed ?? []) runIds.add(id);

  let deletedRuns = 0;
  for (const id of runIds) {
    const done = await call(() =>
      client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId, runId: id } }),
    );
    if (done !== undefined) deletedRuns++;
  }
  return { terminated, deletedRuns };
}
