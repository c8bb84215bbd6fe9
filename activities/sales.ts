// Tells sales about a lead: a JSON POST to a webhook URL or an email to an address.
// Claimed once per workflow id + step key, so a retried activity notifies once.
import type { Config } from '../config/index.ts';
import type { Db } from '../infra/db.ts';
import type { Mailer } from '../infra/mailer.ts';

export interface NotifySalesRequest {
  workflowId: string;
  stepKey: string;
  leadId: string;
  campaignId: string;
  stage: string;
  reason: string;
  target: { webhook?: string; email?: string };
}

export function salesActivities({ db, mailer, config }: { db: Db; mailer: Mailer; config: Config }) {
  return {
    async notifySales(req: NotifySalesRequest): Promise<void> {
      const idempotencyKey = `${req.workflowId}#${req.stepKey}#notify`;
      const target = req.target.webhook ?? (req.target.email ? `mailto:${req.target.email}` : undefined);
      if (!target) throw new Error('notifySales: the step names neither a webhook nor an email');
      const row = await db.salesNotification.upsert({
        where: { idempotencyKey },
        create: { idempotencyKey, leadId: req.leadId, campaignId: req.campaignId, target, reason: req.reason },
        update: {},
      });
      if (row.status === 'delivered') return;

      const lead = await db.lead.findUniqueOrThrow({ where: { id: req.leadId } });
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
        const res = await fetch(req.target.webhook, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': row.id },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(10_000),
        });
        // Non-2xx: let Temporal retry with backoff; the receiver can de-duplicate on Idempotency-Key.
        if (!res.ok) throw new Error(`sales webhook answered ${res.status}`);
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
