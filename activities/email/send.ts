// Renders and sends one step's email exactly once. The row keyed by workflow id + step key
// is claimed before SMTP is spoken to and the outcome recorded after, so a retried
// activity finds the step done and never sends a second copy.
import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../../config/index.ts';
import type { Catalog } from '../../email/index.ts';
import type { Db } from '../../infra/db.ts';
import { messageIdFor, type Mailer } from '../../infra/mailer.ts';
import { signToken } from '../../infra/tokens.ts';

export interface SendEmailRequest {
  workflowId: string;
  stepKey: string;
  leadId: string;
  campaignId: string;
  templateId: string;
  stage: string;
  discount?: { code: string; percent: number; expiresAt: string };
}

export type SendOutcome =
  | { status: 'sent'; messageId: string }
  | { status: 'suppressed' | 'bounced'; reason: string }
  | { status: 'capped'; retryAt: number };

export interface SendDeps {
  db: Db;
  mailer: Mailer;
  catalog: Catalog;
  config: Config;
}

export function sendActivities({ db, mailer, catalog, config }: SendDeps) {
  const senderName = /^(.*?)\s*</.exec(config.MAIL_FROM)?.[1] || 'Nurture';

  return {
    async sendEmail(req: SendEmailRequest): Promise<SendOutcome> {
      const idempotencyKey = `${req.workflowId}#${req.stepKey}`;
      const lead = await db.lead.findUniqueOrThrow({ where: { id: req.leadId } });
      const messageId = messageIdFor(idempotencyKey, config.MAIL_FROM);

      const done = await db.sentMessage.findUnique({ where: { idempotencyKey } });
      if (done?.status === 'sent') return { status: 'sent', messageId: done.messageId };
      if (done?.status === 'suppressed' || done?.status === 'bounced') return { status: done.status, reason: done.reason ?? '' };

      const base = {
        idempotencyKey,
        leadId: lead.id,
        workflowId: req.workflowId,
        stepKey: req.stepKey,
        campaignId: req.campaignId,
        templateId: req.templateId,
        stage: req.stage,
        toAddress: lead.email,
        messageId,
      };
      const suppression = await db.suppression.findUnique({ where: { email: lead.email } });
      if (suppression) {
        const reason = `suppressed: ${suppression.reason}`;
        await db.sentMessage.upsert({ where: { idempotencyKey }, create: { ...base, status: 'suppressed', reason }, update: { status: 'suppressed', reason } });
        return { status: 'suppressed', reason };
      }

      // Claim the step. A row still 'claimed' means an earlier attempt died between claim and
      // record: SMTP may or may not have taken it, and we resend with the same Message-ID.
      await db.sentMessage.upsert({ where: { idempotencyKey }, create: base, update: {} });

      const unsubscribe = `${config.PUBLIC_URL}/u/${signToken(config.TRACKING_SECRET, { k: 'u', l: lead.id, e: lead.email })}`;
      const rendered = catalog.render(req.templateId, {
        lead: {
          id: lead.id,
          email: lead.email,
          firstName: lead.firstName ?? undefined,
          lastName: lead.lastName ?? undefined,
          company: lead.company ?? undefined,
          timezone: lead.timezone ?? undefined,
          properties: (lead.properties ?? {}) as Record<string, string | number | boolean>,
        },
        campaign: { id: req.campaignId },
        discount: req.discount,
        links: {
          unsubscribe,
          preferences: `${unsubscribe}?preferences=1`,
          openPixel: `${config.PUBLIC_URL}/t/o/${signToken(config.TRACKING_SECRET, { k: 'o', m: idempotencyKey })}`,
        },
        track: (url) => `${config.PUBLIC_URL}/t/c/${signToken(config.TRACKING_SECRET, { k: 'c', m: idempotencyKey, u: url })}`,
        sender: { name: senderName, postalAddress: config.MAIL_POSTAL_ADDRESS },
        publicUrl: config.PUBLIC_URL,
      });

      let info;
      try {
        info = await mailer.sendMail({
          from: config.MAIL_FROM,
          to: lead.email,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          messageId,
          headers: { 'X-Nurture-Step': idempotencyKey },
          list: { unsubscribe: { url: unsubscribe, comment: 'Unsubscribe' } },
        });
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        if (code && code >= 500) {
          const reason = `smtp ${code}: ${(err as Error).message}`;
          await db.$transaction([
            db.sentMessage.update({ where: { idempotencyKey }, data: { status: 'bounced', reason } }),
            db.suppression.upsert({ where: { email: lead.email }, create: { email: lead.email, reason: 'bounced', detail: reason }, update: {} }),
          ]);
          return { status: 'bounced', reason };
        }
        // 4xx and connection failures are temporary: Temporal retries with backoff.
        throw ApplicationFailure.retryable(`smtp send failed: ${(err as Error).message}`, 'SmtpTemporaryFailure');
      }

      await db.sentMessage.update({
        where: { idempotencyKey },
        data: { status: 'sent', sentAt: new Date(), subject: rendered.subject, smtpResponse: info.response },
      });
      return { status: 'sent', messageId };
    },
  };
}
