// Nothing retries forever unseen. Activities retry transient failures without end (PostgreSQL
// or the SMTP server down must not lose a journey), but someone must hear of one that keeps
// failing: from attempt ACTIVITY_RETRY_ALERT_ATTEMPTS on, every failed attempt is logged as an
// error (the activity, the journey, the attempt, the error's type: never its message, which
// may carry an address), and the lead gets a `retrying` flag (lead_flags: the lead's
// dashboard page and GET /api/leads/:id) naming the activity and the last error. The flag is
// cleared when the activity succeeds. Non-retryable failures end at once and are the
// journey's to handle (core/journey/send-failures.ts).
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInterceptorsFactory,
  Next,
  ActivityInboundCallsInterceptor,
} from '@temporalio/worker';
import type { Db } from '../infra/db.ts';

const RETRYING_FLAG = 'retrying';

export function retryWatch(db: Db, alertAttempt: number): ActivityInterceptorsFactory {
  return (ctx) => ({ inbound: new RetryWatch(ctx, db, alertAttempt) });
}

class RetryWatch implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly db: Db,
    private readonly alertAttempt: number,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { attempt } = this.ctx.info;
    let result: unknown;
    try {
      result = await next(input);
    } catch (err) {
      if (attempt >= this.alertAttempt && !(err instanceof ApplicationFailure && err.nonRetryable)) await this.raise(err);
      throw err;
    }
    if (attempt > this.alertAttempt) await this.clear();
    return result;
  }

  /** One flag per activity of a run: every attempt updates its reason. */
  private key(workflowExecution: { workflowId: string; runId: string }): string {
    return `${workflowExecution.workflowId}/${workflowExecution.runId}#activity-${this.ctx.info.activityId}#${RETRYING_FLAG}`;
  }

  private async raise(err: unknown): Promise<void> {
    const { activityType, attempt, workflowExecution } = this.ctx.info;
    const type =
      err instanceof ApplicationFailure ? (err.type ?? 'ApplicationFailure') : err instanceof Error ? err.name : 'unknown';
    this.ctx.log.error('activity keeps failing; it will be retried', {
      activityType,
      workflowId: workflowExecution?.workflowId,
      attempt,
      errorType: type,
    });
    if (!workflowExecution) return; // not a journey's activity
    try {
      const enrollment = await this.db.enrollment.findUnique({
        where: { workflowId: workflowExecution.workflowId },
        select: { leadId: true, campaignId: true, stage: true },
      });
      if (!enrollment) return;
      const reason = `${activityType} failed ${attempt} times and is being retried: ${err instanceof Error ? err.message : String(err)}`;
      const idempotencyKey = this.key(workflowExecution);
      await this.db.leadFlag.upsert({
        where: { idempotencyKey },
        create: {
          idempotencyKey,
          leadId: enrollment.leadId,
          campaignId: enrollment.campaignId,
          workflowId: workflowExecution.workflowId,
          kind: RETRYING_FLAG,
          stage: enrollment.stage,
          reason,
        },
        update: { reason, clearedAt: null },
      });
    } catch (flagErr) {
      // PostgreSQL may be the very thing that is failing: the log line above still tells.
      this.ctx.log.warn('could not flag the retrying activity', { activityType, error: String(flagErr) });
    }
  }

  private async clear(): Promise<void> {
    const { workflowExecution } = this.ctx.info;
    if (!workflowExecution) return;
    await this.db.leadFlag
      .updateMany({ where: { idempotencyKey: this.key(workflowExecution), clearedAt: null }, data: { clearedAt: new Date() } })
      .catch((err: unknown) => this.ctx.log.warn('could not clear the retrying flag', { error: String(err) }));
  }
}
