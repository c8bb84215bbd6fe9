// What a recording scenario can do: act as the outside world does (signup and event webhooks,
// the dashboard's move), read what the journey did (PostgreSQL rows, the `status` query), wait
// for a checkpoint with a bound, and name the workflow runs whose histories it wants kept.
import type { History } from '@temporalio/common/lib/proto-utils.js';
import type { RunningApi } from '../../app/services.ts';
import { parseCampaign } from '../../core/campaign/load.ts';
import { leadSnapshotOf } from '../../core/lead.ts';
import { enrollLead } from '../../workflows/journey/client.ts';
import { signatureHeader } from '../../infra/signature.ts';
import { engagementSignal, statusQuery } from '../../workflows/journey/types.ts';
import type { JourneyDescription } from '../../core/journey/query.ts';
import type { RecordingStack } from './stack.ts';

type HistoryEvent = NonNullable<History['events']>[number];

/** One run whose history goes into the release folder. */
export interface RunRef {
  workflowId: string;
  runId: string;
}

export interface Lead {
  email: string;
  leadId: string;
  workflowId: string;
}

// Events are told apart by the attributes they carry, which name their type.
const CLOSING = [
  'workflowExecutionCompletedEventAttributes',
  'workflowExecutionFailedEventAttributes',
  'workflowExecutionTimedOutEventAttributes',
  'workflowExecutionTerminatedEventAttributes',
  'workflowExecutionCanceledEventAttributes',
  'workflowExecutionContinuedAsNewEventAttributes',
] as const;
const WORKFLOW_TASK = [
  'workflowTaskScheduledEventAttributes',
  'workflowTaskStartedEventAttributes',
  'workflowTaskCompletedEventAttributes',
  'workflowTaskTimedOutEventAttributes',
  'workflowTaskFailedEventAttributes',
] as const;

const has = (e: HistoryEvent | undefined, keys: readonly (keyof HistoryEvent)[]) => e != null && keys.some((k) => e[k] != null);

export function isClosed(history: History): boolean {
  return has(history.events?.at(-1), CLOSING);
}

/** No workflow task is scheduled or running: the history will not grow until a timer, activity or signal. */
function isQuiet(history: History): boolean {
  if (isClosed(history)) return true;
  const lastTask = [...(history.events ?? [])].reverse().find((e) => has(e, WORKFLOW_TASK));
  return lastTask?.workflowTaskCompletedEventAttributes != null;
}

/** Signals of a name in a history, and whether a workflow task completed after the last one. */
export function signalsIn(history: History, name: string): { count: number; handled: boolean } {
  const events = history.events ?? [];
  let last = -1;
  let count = 0;
  events.forEach((e, i) => {
    if (e.workflowExecutionSignaledEventAttributes?.signalName === name) {
      count++;
      last = i;
    }
  });
  const handled = last >= 0 && events.slice(last + 1).some((e) => e.workflowTaskCompletedEventAttributes != null);
  return { count, handled };
}

export class ScenarioKit {
  private eventCounter = 0;
  private leadCounter = 0;

  constructor(
    readonly name: string,
    readonly stack: RecordingStack,
    readonly log: (line: string) => void,
  ) {}

  /** Polls `probe` until it returns something other than undefined/false; fails clearly at the bound. */
  async until<T>(
    what: string,
    probe: () => Promise<T | undefined | false>,
    timeoutMs = 30_000,
    explain?: () => Promise<string>,
  ): Promise<T> {
    this.log(`waiting for ${what}`);
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
        last = value;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) {
        const detail = explain
          ? await explain().catch((err: Error) => err.message)
          : last instanceof Error
            ? last.message
            : JSON.stringify(last);
        throw new Error(`${this.name}: ${what}: not reached within ${timeoutMs / 1000} s (${detail})`);
      }
      await sleep(100);
    }
  }

  email(label: string): string {
    return `${this.name}-${label}-${++this.leadCounter}-${process.pid}@example.com`;
  }

  private async post(api: RunningApi, pathname: string, body: unknown, headers: Record<string, string> = {}) {
    const raw = JSON.stringify(body);
    const res = await fetch(`${api.url}${pathname}`, {
      method: 'POST',
      body: raw,
      headers: {
        'content-type': 'application/json',
        'nurture-signature': signatureHeader(this.stack.config.WEBHOOK_SECRET[0]!, raw),
        ...headers,
      },
    });
    const text = await res.text();
    let json: any = text;
    try {
      json = JSON.parse(text);
    } catch {
      // keep the text for the error message
    }
    return { status: res.status, body: json };
  }

  /** The signup webhook; answers with the lead and its journey. `api`: which API instance. */
  async signup(
    campaign: string,
    lead: { email?: string; timezone?: string; properties?: Record<string, string> } = {},
    api = this.stack.api,
  ): Promise<Lead> {
    const email = lead.email ?? this.email(campaign);
    const res = await this.post(api, '/webhooks/signup', { firstName: 'Lee', ...lead, email, campaign });
    if (res.status !== 202) throw new Error(`${this.name}: signup answered ${res.status}: ${JSON.stringify(res.body)}`);
    return { email, leadId: res.body.leadId, workflowId: res.body.workflowId };
  }

  /**
   * A journey started straight through Temporal, as the signup starts one, for a lead row
   * written as given and a campaign the worker does not load: a journey enrolled before a deploy
   * retired one of its templates, or a lead whose stored address is not an address.
   */
  async enrollDirect(campaignYaml: string, email: string): Promise<Lead> {
    const parsed = parseCampaign(campaignYaml, `${this.name}.yaml`);
    if (!parsed.ok) throw new Error(`${this.name}: ${JSON.stringify(parsed.errors)}`);
    const lead = await this.stack.db.lead.create({ data: { email, firstName: 'Lee' } });
    const { workflowId } = await enrollLead(
      { client: this.stack.temporal, timeoutMs: 10_000 },
      { lead: leadSnapshotOf(lead), campaign: parsed, taskQueue: this.stack.config.TEMPORAL_TASK_QUEUE },
    );
    await this.stack.db.enrollment.create({
      data: { leadId: lead.id, campaignId: parsed.campaign.id, campaignVersion: parsed.version, workflowId },
    });
    return { email, leadId: lead.id, workflowId };
  }

  /** The signup webhook without waiting for its answer (it may wait on a lock the scenario holds). */
  signupLater(campaign: string, email: string): Promise<{ status: number; body: any }> {
    return this.post(this.stack.api, '/webhooks/signup', { firstName: 'Lee', email, campaign });
  }

  /** The events webhook; 202 for a new event, 200 for a duplicate id. */
  async event(
    lead: Lead,
    type: string,
    opts: { eventId?: string; data?: Record<string, unknown>; expect?: 200 | 202 } = {},
  ): Promise<void> {
    const eventId = opts.eventId ?? `${this.name}-${++this.eventCounter}-${process.pid}`;
    const res = await this.post(this.stack.api, '/webhooks/events', {
      type,
      email: lead.email,
      eventId,
      ...(opts.data ? { data: opts.data } : {}),
    });
    const expected = opts.expect ?? 202;
    if (res.status !== expected)
      throw new Error(`${this.name}: event ${type} answered ${res.status} (expected ${expected}): ${JSON.stringify(res.body)}`);
  }

  /** An engagement signal straight to the journey, as a retried delivery of an accepted event arrives. */
  async signalEngagement(lead: Lead, type: string, eventId: string): Promise<void> {
    await this.stack.temporal.workflow
      .getHandle(lead.workflowId)
      .signal(engagementSignal, { eventId, type, occurredAt: new Date().toISOString() });
  }

  /** Moves the lead by hand, exactly as the dashboard's "move on" form does (admin bearer token, JSON). */
  async moveStage(lead: Lead, campaign: string, to: string): Promise<void> {
    const res = await this.post(
      this.stack.api,
      `/dashboard/leads/${lead.leadId}/campaigns/${campaign}/move`,
      { to, reason: 'recorded scenario' },
      {
        authorization: `Bearer ${this.stack.config.ADMIN_TOKENS[0]}`,
        accept: 'application/json',
      },
    );
    if (res.status !== 202) throw new Error(`${this.name}: move to ${to} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  async sent(lead: Lead): Promise<string[]> {
    const rows = await this.stack.db.sentMessage.findMany({
      where: { workflowId: lead.workflowId, status: 'sent' },
      orderBy: { sentAt: 'asc' },
    });
    return rows.map((r) => r.templateId);
  }

  async stages(lead: Lead): Promise<Array<{ to: string; actor: string }>> {
    const rows = await this.stack.db.stageChange.findMany({
      where: { workflowId: lead.workflowId },
      orderBy: { occurredAt: 'asc' },
    });
    return rows.map((r) => ({ to: r.toStage, actor: r.actor }));
  }

  async flags(lead: Lead): Promise<string[]> {
    const rows = await this.stack.db.leadFlag.findMany({ where: { workflowId: lead.workflowId }, orderBy: { createdAt: 'asc' } });
    return rows.map((r) => r.kind);
  }

  async enrollmentStatus(lead: Lead): Promise<string | undefined> {
    return (await this.stack.db.enrollment.findUnique({ where: { workflowId: lead.workflowId } }))?.status;
  }

  status(lead: Lead): Promise<JourneyDescription> {
    return this.stack.temporal.workflow.getHandle(lead.workflowId).query(statusQuery);
  }

  /** Sent templates equal `expected` (in order). */
  sentExactly(lead: Lead, expected: string[], timeoutMs?: number): Promise<true> {
    return this.until(
      `sent [${expected.join(', ')}]`,
      async () => sameList(await this.sent(lead), expected) || undefined,
      timeoutMs,
      async () => `sent: [${(await this.sent(lead)).join(', ')}]`,
    );
  }

  /** The journey is parked: waiting on `kinds` (a wait, waitFor, window, capped) in `stage`. */
  waiting(lead: Lead, stage: string, kinds: string[], timeoutMs?: number): Promise<JourneyDescription> {
    return this.until(
      `the journey waiting (${kinds.join(' or ')}) in ${stage}`,
      async () => {
        const s = await this.status(lead);
        return s.stage === stage && s.next?.waiting != null && kinds.includes(s.next.waiting) ? s : undefined;
      },
      timeoutMs,
      async () => {
        const s = await this.status(lead);
        return `stage ${s.stage}, next ${JSON.stringify(s.next)}, ended ${JSON.stringify(s.ended)}`;
      },
    );
  }

  async runId(lead: Lead): Promise<string> {
    return (await this.stack.temporal.workflow.getHandle(lead.workflowId).describe()).runId;
  }

  async history(run: RunRef): Promise<History> {
    return this.stack.temporal.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  }

  /** The run has closed (completed, exited, dormant or continued as new). */
  closed(run: RunRef, timeoutMs?: number): Promise<true> {
    return this.until(
      `run ${run.runId.slice(0, 8)} of ${run.workflowId} to close`,
      async () => isClosed(await this.history(run)) || undefined,
      timeoutMs,
    );
  }

  /**
   * The runs of one continue-as-new chain, oldest first, ending at `runId` (default: the
   * latest run of the workflow id). A re-enrollment starts a new chain: name its run.
   */
  async chain(workflowId: string, runId?: string): Promise<RunRef[]> {
    const runs: RunRef[] = [];
    let current: string | undefined = runId ?? (await this.stack.temporal.workflow.getHandle(workflowId).describe()).runId;
    while (current) {
      runs.unshift({ workflowId, runId: current });
      const history = await this.history({ workflowId, runId: current });
      current = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    }
    return runs;
  }

  /** The run's history once no workflow task is pending, so that it ends on a decision. */
  quietHistory(run: RunRef): Promise<History> {
    return this.until(
      `run ${run.runId.slice(0, 8)} of ${run.workflowId} to be idle`,
      async () => {
        const h = await this.history(run);
        return isQuiet(h) ? h : undefined;
      },
      15_000,
    );
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
