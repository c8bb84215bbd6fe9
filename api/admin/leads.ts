// The admin API's view of leads: GET /api/leads/:id (one lead with its timeline) and
// GET /api/leads (filtered, keyset-paginated). Register inside a plugin protected by
// requireAdmin (see ../auth.ts). The shapes are a contract: see api/README.md.
import type { FastifyInstance } from 'fastify';
import { describeIssues } from '../../core/rules/schemas.ts';
import type { Db } from '../../infra/db.ts';
import { leadStanding, leadTimeline, loadLeadRecord } from '../../reports/lead.ts';
import { leadListQuery, listLeads } from '../../reports/leads.ts';
import { sendError } from '../errors.ts';
import { isLeadId } from '../../core/rules/lead-id.ts';

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

export function adminLeadRoutes(db: Db) {
  return async (app: FastifyInstance) => {
    app.addHook('onSend', async (_req, reply) => {
      void reply.header('cache-control', 'no-store');
    });

    app.get<{ Params: { id: string } }>('/api/leads/:id', async (req, reply) => {
      const detail = isLeadId(req.params.id) ? await leadDetail(db, req.params.id.toLowerCase()) : undefined;
      if (!detail) return sendError(reply, 404, 'not_found', `no lead with id ${req.params.id}`);
      return detail;
    });

    app.get('/api/leads', async (req, reply) => {
      const q = leadListQuery.safeParse(req.query);
      if (!q.success)
        return sendError(reply, 400, 'invalid_query', 'the query parameters are not valid', { issues: describeIssues(q.error) });
      return listLeads(db, q.data);
    });
  };
}
