// Tells sales about a lead: a JSON POST to a webhook URL or an email to an address.
// Claimed once per workflow id + step key, so a retried activity notifies once.
//
// The webhook carries lead data to a URL a campaign file names, so it is signed like the
// webhooks we receive (`Nurture-Signature`, infra/signature.ts) with its own secret,
// SALES_WEBHOOK_SECRET: the receiver can tell it came from us and was not changed. Each
// delivery has a 10 s timeout; a delivery that may succeed later (network error, timeout, 5xx,
// 408, 429) is tried again, at most SALES_WEBHOOK_ATTEMPTS times in all, with a short backoff,
// inside this one activity attempt (the journey's activity retry policy is unbounded and lives
// in workflow code, which must replay recorded histories unchanged). Any other answer (other
// 4xx, a redirect) is final at once. When every try failed, the row is marked `failed`.
import type { Config } from '../config/index.ts';
import type { Db } from '../infra/db.ts';
import type { Mailer } from '../infra/mailer.ts';
import { signatureHeader, SIGNATURE_HEADER } from '../infra/signature.ts';
import { effectKey } from '../core/journey/effect-key.ts';
import { salesTargetUrl } from '../core/journey/effects.ts';
import { leadGone, unlessLeadGone } from './lead-gone.ts';

/** Deliveries of one sales webhook at most (the first and two retries). */
const SALES_WEBHOOK_ATTEMPTS = 3;
const SALES_WEBHOOK_TIMEOUT_MS = 10_000;
/** Waits between tries: 3 tries of 10 s plus these stay within the activity's 1-minute timeout. */
const SALES_WEBHOOK_BACKOFF_MS = [1_000, 3_000];

/** The webhook could not be delivered (final: no more tries in this activity). */
export class SalesWebhookError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'SalesWebhookError';
  }
}

/** Worth trying again: the receiver or the way to it may recover. */
function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * POSTs `body` signed with `secrets`; tries again on retryable failures, at most
 * SALES_WEBHOOK_ATTEMPTS deliveries. Throws SalesWebhookError when it gives up.
 */
async function deliverSalesWebhook(opts: {
  url: string;
  body: string;
  secrets: readonly string[];
  idempotencyKey: string;
  sleep?: (ms: number) => Promise<void>;
}): Promise<void> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last = '';
  for (let attempt = 1; attempt <= SALES_WEBHOOK_ATTEMPTS; attempt++) {
    try {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': opts.idempotencyKey,
          [SIGNATURE_HEADER]: signatureHeader(opts.secrets, opts.body),
        },
        body: opts.body,
        // Lead data goes to the URL named, nowhere else.
        redirect: 'manual',
        signal: AbortSignal.timeout(SALES_WEBHOOK_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.ok) return;
      last = `answered ${res.status}`;
      if (!retryableStatus(res.status)) throw new SalesWebhookError(`sales webhook ${last}`, attempt);
    } catch (err) {
      if (err instanceof SalesWebhookError) throw err;
      last = (err as Error).name === 'TimeoutError' ? `timed out after ${SALES_WEBHOOK_TIMEOUT_MS} ms` : (err as Error).message;
    }
    if (attempt < SALES_WEBHOOK_ATTEMPTS) await sleep(SALES_WEBHOOK_BACKOFF_MS[attempt - 1] ?? 1_000);
  }
  throw new SalesWebhookError(`sales webhook ${last} (${SALES_WEBHOOK_ATTEMPTS} tries)`, SALES_WEBHOOK_ATTEMPTS);
}

export interface NotifySalesRequest {
  workflowId: string;
  stepKey: string;
  leadId: string;
  campaignId: string;
  stage: string;
  reason: string;
  target: { webhook?: string; email?: string };
}

export function salesActivities(
  { db, mailer, config }: { db: Db; mailer: Mailer; config: Config },
  opts: { onFailure?: 'throw' | 'record' } = {},
) {
  return {
    async notifySales(req: NotifySalesRequest): Promise<void> {
      const idempotencyKey = effectKey(req, 'notify');
      const target = salesTargetUrl(req.target);
      if (!target) throw new Error('notifySales: the step names neither a webhook nor an email');
      const row = await unlessLeadGone(
        db,
        req.leadId,
        () =>
          db.salesNotification.upsert({
            where: { idempotencyKey },
            create: { idempotencyKey, leadId: req.leadId, campaignId: req.campaignId, target, reason: req.reason },
            update: {},
          }),
        () => {
          throw leadGone(req.leadId);
        },
      );
      if (row.status === 'delivered') return;
      if (row.status === 'failed') {
        if (opts.onFailure === 'record') return;
        throw new SalesWebhookError(`sales notification ${row.id} failed before`, 0);
      }

      const lead = await db.lead.findUnique({ where: { id: req.leadId } });
      if (!lead) throw leadGone(req.leadId);
      const enrollment = await db.enrollment.findUnique({ where: { workflowId: req.workflowId } });
      const payload = {
        notificationId: row.id,
        reason: req.reason,
        campaign: req.campaignId,
        stage: req.stage,
        lead: {
          id: lead.id,
          email: lead.email,
          firstName: lead.firstName,
          lastName: lead.lastName,
          company: lead.company,
          score: enrollment?.score ?? null,
        },
        leadUrl: `${config.PUBLIC_URL}/dashboard/leads/${lead.id}`,
      };
      if (req.target.webhook) {
        try {
          // The receiver can de-duplicate on Idempotency-Key (a worker crash may repeat a try).
          await deliverSalesWebhook({
            url: req.target.webhook,
            body: JSON.stringify(payload),
            secrets: config.SALES_WEBHOOK_SECRET,
            idempotencyKey: row.id,
          });
        } catch (err) {
          if (!(err instanceof SalesWebhookError)) throw err;
          await db.salesNotification.update({ where: { idempotencyKey }, data: { status: 'failed' } });
          // A journey goes on (the failure is on the lead's timeline; the dashboard can send
          // again); a person who asked, on the dashboard, hears that it failed.
          if (opts.onFailure === 'record') return;
          throw err;
        }
      } else if (req.target.email) {
        await mailer.sendMail({
          from: config.MAIL_FROM,
          to: req.target.email,
          subject: `[Nurture] ${lead.firstName ?? lead.email}: ${req.reason}`,
          text: `${req.reason}\n\nLead: ${lead.email}\nCampaign: ${req.campaignId}\nStage: ${req.stage}\nScore: ${payload.lead.score ?? '-'}\n\n${payload.leadUrl}\n`,
        });
      }
      await db.salesNotification.update({ where: { idempotencyKey }, data: { status: 'delivered', deliveredAt: new Date() } });
    },
  };
}
