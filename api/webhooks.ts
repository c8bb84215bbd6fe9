// POST /webhooks/signup: validate, record the lead, then enroll it in its campaign's journey.
// The answer is sent only once the lead is in PostgreSQL and the journey is accepted by
// Temporal, so an accepted signup is never lost.
import type { FastifyInstance } from 'fastify';
import { describeIssues, signupSchema } from '../core/lead.ts';
import { enrollLead } from '../workflows/journey/client.ts';
import { journeyWorkflowId } from '../workflows/journey/types.ts';
import type { ApiDeps } from './server.ts';

export function webhookRoutes({ config, db, temporal }: ApiDeps) {
  return async (app: FastifyInstance) => {
    app.post('/webhooks/signup', async (req, reply) => {
      const parsed = signupSchema.safeParse(req.body);
      if (!parsed.success) {
        return reply.code(400).send({ error: 'invalid_body', issues: describeIssues(parsed.error) });
      }
      const s = parsed.data;
      const campaignId = s.campaign ?? config.DEFAULT_CAMPAIGN;
      const fields = {
        firstName: s.firstName,
        lastName: s.lastName,
        company: s.company,
        timezone: s.timezone,
        source: s.source,
        ...(s.properties ? { properties: s.properties } : {}),
        ...(s.consent ? { consent: s.consent } : {}),
      };
      // Upsert on the unique email: concurrent identical signups converge on one lead.
      const before = await db.lead.findUnique({ where: { email: s.email }, select: { id: true } });
      const lead = await db.lead.upsert({ where: { email: s.email }, create: { email: s.email, ...fields }, update: fields });
      const snapshot = {
        id: lead.id,
        email: lead.email,
        firstName: lead.firstName ?? undefined,
        lastName: lead.lastName ?? undefined,
        company: lead.company ?? undefined,
        timezone: lead.timezone ?? undefined,
        properties: lead.properties as Record<string, string | number | boolean>,
      };
      await db.enrollment.upsert({
        where: { leadId_campaignId: { leadId: lead.id, campaignId } },
        create: { leadId: lead.id, campaignId, campaignVersion: 'unversioned', workflowId: journeyWorkflowId(campaignId, lead.id) },
        update: {},
      });
      const result = await enrollLead(temporal, { lead: snapshot, campaignId, taskQueue: config.TEMPORAL_TASK_QUEUE });
      return reply.code(202).send({ leadId: lead.id, workflowId: result.workflowId, newLead: !before, enrolled: result.enrolled });
    });
  };
}
