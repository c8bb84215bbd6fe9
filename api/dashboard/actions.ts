// The two things sales does from the dashboard, as form posts (303 back to the page) or JSON
// calls (Accept: application/json). Cross-site posts never get here (security.ts):
// - move on: signals the journey with moveStage { to, actor, reason }; the journey applies it
//   and records the stage change with the actor. Nothing is written here: PostgreSQL learns
//   the new stage from the journey, exactly as for every other stage change.
// - notify sales again: the same notification the stall rule sends (its target from the
//   campaign file), claimed once per form (the nonce), so a double click notifies once.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { salesActivities } from '../../activities/sales.ts';
import { createMailer, type Mailer } from '../../infra/mailer.ts';
import { moveLeadStage } from '../../workflows/journey/client.ts';
import { campaignIdSchema, leadIdSchema } from '../../core/rules/schemas.ts';
import { isOpenEnrollment } from '../../core/enrollment.ts';
import { parseOrThrow } from '../../reports/query.ts';
import { dashboardPath } from './redirect.ts';
import { actorOf } from './session.ts';
import { redirectWithFlash, wantsJson } from './view.ts';
import type { RouteDeps } from '../deps.ts';

const target = z.object({ leadId: leadIdSchema, campaign: campaignIdSchema });
// Where the form goes back to: a dashboard path by the one redirect rule, else refused (400).
const back = z
  .string()
  .refine((v) => dashboardPath(v) !== undefined, 'must be a dashboard path on this site (/dashboard/…)')
  .optional();
const moveBody = z.object({
  to: z.string().trim().min(1, 'is required').max(100),
  reason: z.string().trim().max(500).optional(),
  back,
});
const notifyBody = z.object({
  nonce: z
    .string()
    .regex(/^[a-z0-9]{4,64}$/i, 'must be the form nonce')
    .optional(),
  back,
});

export function actionRoutes(app: FastifyInstance, ctx: RouteDeps): void {
  let mailer: Mailer | undefined;
  app.addHook('onClose', async () => mailer?.close());

  const answer = (
    req: FastifyRequest,
    reply: FastifyReply,
    backTo: string | undefined,
    status: number,
    message: string,
    extra: object = {},
  ) => {
    if (wantsJson(req) || !backTo) return reply.code(status).send({ ok: status < 400, message, ...extra });
    return redirectWithFlash(reply, backTo, message, status < 400 ? 'ok' : 'error');
  };

  app.post('/dashboard/leads/:leadId/campaigns/:campaign/move', async (req, reply) => {
    const t = parseOrThrow(target, req.params);
    const body = parseOrThrow(moveBody, req.body ?? {});
    const enrollment = await ctx.db.enrollment.findUnique({
      where: { leadId_campaignId: { leadId: t.leadId, campaignId: t.campaign } },
    });
    if (!enrollment) return answer(req, reply, body.back, 404, `lead ${t.leadId} is not enrolled in ${t.campaign}`);
    const stages = Object.keys(ctx.campaigns.get(t.campaign)?.campaign.stages ?? {});
    if (stages.length && !stages.includes(body.to)) {
      return answer(
        req,
        reply,
        body.back,
        400,
        `campaign ${t.campaign} has no stage "${body.to}" (stages: ${stages.join(', ')})`,
      );
    }
    if (!isOpenEnrollment(enrollment.status))
      return answer(req, reply, body.back, 409, `the journey has ended (${enrollment.status}); nothing to move`);
    const actor = actorOf(req.viewer!);
    try {
      await moveLeadStage(ctx.temporal, enrollment.workflowId, {
        to: body.to,
        actor,
        reason: body.reason || `moved on by hand from the dashboard`,
      });
    } catch (err) {
      req.log.warn({ err, workflowId: enrollment.workflowId }, 'move on: signal failed');
      return answer(req, reply, body.back, 503, `could not reach the journey: ${(err as Error).message}`);
    }
    req.log.info({ workflowId: enrollment.workflowId, to: body.to, actor }, 'dashboard: moved lead on');
    return answer(req, reply, body.back, 202, `Asked the journey to move ${t.leadId} to ${body.to}`, {
      workflowId: enrollment.workflowId,
      to: body.to,
      actor,
    });
  });

  app.post('/dashboard/leads/:leadId/campaigns/:campaign/notify', async (req, reply) => {
    const t = parseOrThrow(target, req.params);
    const body = parseOrThrow(notifyBody, req.body ?? {});
    const enrollment = await ctx.db.enrollment.findUnique({
      where: { leadId_campaignId: { leadId: t.leadId, campaignId: t.campaign } },
    });
    if (!enrollment) return answer(req, reply, body.back, 404, `lead ${t.leadId} is not enrolled in ${t.campaign}`);
    const campaign = ctx.campaigns.get(t.campaign)?.campaign;
    const stage = enrollment.stage ?? '';
    const to = (stage && campaign?.stages[stage]?.stall?.notify) || campaign?.scoring.qualification?.notify;
    if (!to)
      return answer(req, reply, body.back, 409, `campaign ${t.campaign} names no sales contact for stage ${stage || '(none)'}`);
    const actor = actorOf(req.viewer!);
    mailer ??= createMailer(ctx.config);
    try {
      await salesActivities({ db: ctx.db, mailer, config: ctx.config }).notifySales({
        workflowId: enrollment.workflowId,
        stepKey: `dashboard-notify-${body.nonce ?? Date.now().toString(36)}`,
        leadId: t.leadId,
        campaignId: t.campaign,
        stage,
        reason: `${enrollment.stalled ? `stalled in ${stage}` : `in ${stage}`}: sent again from the dashboard by ${actor}`,
        target: to,
      });
    } catch (err) {
      req.log.warn({ err }, 'notify sales: delivery failed');
      return answer(req, reply, body.back, 502, `sales could not be notified: ${(err as Error).message}`);
    }
    return answer(req, reply, body.back, 200, `Sales notified about ${t.leadId} (${to.email ?? to.webhook})`, {
      target: to,
      actor,
    });
  });
}
