// The admin API's view of leads: GET /api/leads/:id (one lead with its timeline),
// GET /api/leads (filtered, keyset-paginated), and a person's rights: GET /api/leads/:id/export
// and DELETE /api/leads/:id (privacy/). Register inside a plugin protected by requireAdmin
// (see ../auth.ts), which names the token used in every audit row. The shapes are a contract:
// see api/README.md.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { describeIssues } from '../../core/rules/schemas.ts';
import type { Db } from '../../infra/db.ts';
import { eraseLeadById } from '../../privacy/erase.ts';
import { exportLead } from '../../privacy/export.ts';
import type { RouteDeps } from '../deps.ts';
import { leadStanding, leadTimeline, loadLeadRecord } from '../../reports/lead.ts';
import { leadListQuery, listLeads } from '../../reports/leads.ts';
import { sendError } from '../errors.ts';
import { isLeadId, LEAD_ID_MESSAGE } from '../../core/rules/lead-id.ts';

/** The kinds api/README.md promises; the dashboard shows flags, notifications and discounts too. */
const TIMELINE_KINDS = new Set(['message', 'event', 'stage_change']);

/** The lead, its standing, journeys, flags and a timeline of messages, events and stage changes. */
async function leadDetail(db: Db, id: string) {
  const r = await loadLeadRecord(db, id);
  if (!r) return undefined;
  const timeline = leadTimeline(r).filter((t) => TIMELINE_KINDS.has(t.kind));
  return {
    lead: r.lead,
    stage: r.lead.stage,
    ...leadStanding(r.enrollments),
    suppression: r.suppression
      ? { reason: r.suppression.reason, detail: r.suppression.detail, since: r.suppression.createdAt }
      : null,
    enrollments: r.enrollments.map((e) => ({
      campaignId: e.campaignId,
      campaignVersion: e.campaignVersion,
      workflowId: e.workflowId,
      stage: e.stage,
      score: e.score,
      stalled: e.stalled,
      status: e.status,
      enrolledAt: e.enrolledAt,
      stageEnteredAt: e.stageEnteredAt,
      lastEngagementAt: e.lastEngagementAt,
      endedAt: e.endedAt,
    })),
    flags: r.flags.map((f) => ({
      kind: f.kind,
      campaignId: f.campaignId,
      stage: f.stage,
      reason: f.reason,
      createdAt: f.createdAt,
      clearedAt: f.clearedAt,
    })),
    timeline,
  };
}

/** 400 for an id that cannot be a lead's, naming the field. */
function invalidId(reply: FastifyReply) {
  return sendError(reply, 400, 'invalid_id', `id: ${LEAD_ID_MESSAGE}`, { issues: [{ field: 'id', problem: LEAD_ID_MESSAGE }] });
}

export function adminLeadRoutes(deps: RouteDeps) {
  const { db } = deps;
  return async (app: FastifyInstance) => {
    app.addHook('onSend', async (_req, reply) => {
      void reply.header('cache-control', 'no-store');
    });

    app.get<{ Params: { id: string } }>('/api/leads/:id', async (req, reply) => {
      const detail = isLeadId(req.params.id) ? await leadDetail(db, req.params.id.toLowerCase()) : undefined;
      if (!detail) return sendError(reply, 404, 'not_found', `no lead with id ${req.params.id}`);
      return detail;
    });

    app.get<{ Params: { id: string } }>('/api/leads/:id/export', async (req, reply) => {
      if (!isLeadId(req.params.id)) return invalidId(reply);
      const doc = await exportLead(db, req.params.id.toLowerCase(), req.adminTokenId ?? 'admin');
      if (!doc) return sendError(reply, 404, 'not_found', `no lead with id ${req.params.id}`);
      void reply.header('content-disposition', `attachment; filename="lead-${req.params.id.toLowerCase()}.json"`);
      return doc;
    });

    app.delete<{ Params: { id: string } }>('/api/leads/:id', async (req, reply) => {
      if (!isLeadId(req.params.id)) return invalidId(reply);
      const erasure = await eraseLeadById(
        {
          db,
          temporal: deps.temporal,
          hashKey: deps.config.ERASURE_HASH_KEY,
          campaignIds: () => deps.campaigns.scan().campaigns.map((c) => c.campaign.id),
        },
        req.params.id.toLowerCase(),
        req.adminTokenId ?? 'admin',
      );
      if (!erasure) return sendError(reply, 404, 'not_found', `no lead with id ${req.params.id}`);
      return { erased: true, ...erasure };
    });

    app.get('/api/leads', async (req, reply) => {
      const q = leadListQuery.safeParse(req.query);
      if (!q.success)
        return sendError(reply, 400, 'invalid_query', 'the query parameters are not valid', { issues: describeIssues(q.error) });
      return listLeads(db, q.data);
    });
  };
}
