// The admin API's view of leads: GET /api/leads/:id (one lead with its timeline) and
// GET /api/leads (filtered, keyset-paginated). Register inside a plugin protected by
// requireAdmin (see ../auth.ts).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../infra/db.ts';
import { campaignIdSchema, describeIssues, text } from '../../core/lead.ts';
import { sendError } from '../errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Most recent entries of each kind in a lead's timeline. */
export const TIMELINE_LIMIT = 500;

export const leadListQuery = z.object({
  stage: text(100).min(1, 'must not be empty').optional(),
  stalled: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
  campaign: campaignIdSchema.optional(),
  cursor: z
    .string()
    .transform((s, ctx) => {
      const c = decodeCursor(s);
      if (!c) ctx.addIssue({ code: 'custom', message: 'must be a nextCursor from a previous page' });
      return c!;
    })
    .optional(),
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(200, 'must be at most 200')
    .default(50),
});

type EnrollmentSummary = {
  campaignId: string;
  workflowId: string;
  stage: string | null;
  score: number;
  stalled: boolean;
  status: string;
};

function summarizeEnrollments(rows: EnrollmentSummary[]) {
  return {
    score: rows.reduce((max, e) => Math.max(max, e.score), 0),
    stalled: rows.some((e) => e.stalled && e.status === 'active'),
  };
}

export async function leadDetail(db: Db, id: string) {
  const lead = await db.lead.findUnique({
    where: { id },
    include: {
      enrollments: { orderBy: { enrolledAt: 'asc' } },
      flags: { orderBy: { createdAt: 'desc' }, take: TIMELINE_LIMIT },
      messages: { orderBy: { claimedAt: 'desc' }, take: TIMELINE_LIMIT },
      events: { orderBy: { occurredAt: 'desc' }, take: TIMELINE_LIMIT },
      stageChanges: { orderBy: { occurredAt: 'desc' }, take: TIMELINE_LIMIT },
    },
  });
  if (!lead) return undefined;
  const suppression = await db.suppression.findUnique({ where: { email: lead.email } });
  const timeline = [
    ...lead.messages.map((m) => ({
      at: m.sentAt ?? m.claimedAt,
      kind: 'message' as const,
      campaignId: m.campaignId,
      stepKey: m.stepKey,
      templateId: m.templateId,
      stage: m.stage,
      subject: m.subject,
      status: m.status,
      reason: m.reason,
    })),
    ...lead.events.map((e) => ({
      at: e.occurredAt,
      kind: 'event' as const,
      type: e.type,
      eventId: e.eventId,
      campaignId: e.campaignId,
      templateId: e.templateId,
      data: e.data,
    })),
    ...lead.stageChanges.map((c) => ({
      at: c.occurredAt,
      kind: 'stage_change' as const,
      campaignId: c.campaignId,
      from: c.fromStage,
      to: c.toStage,
      reason: c.reason,
      actor: c.actor,
    })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());

  const { enrollments, flags, messages: _m, events: _e, stageChanges: _s, ...fields } = lead;
  return {
    lead: fields,
    stage: lead.stage,
    ...summarizeEnrollments(enrollments),
    suppression: suppression ? { reason: suppression.reason, detail: suppression.detail, since: suppression.createdAt } : null,
    enrollments: enrollments.map((e) => ({
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
    flags: flags.map((f) => ({
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

export async function listLeads(db: Db, q: z.infer<typeof leadListQuery>) {
  // Stalled means a running journey waiting on a stalled lead; an ended (e.g. dormant)
  // journey keeps its flag but is no longer stalled.
  const stalledJourney = { stalled: true, status: 'active' };
  const enrollmentFilter = {
    ...(q.campaign ? { campaignId: q.campaign } : {}),
    ...(q.campaign && q.stage ? { stage: q.stage } : {}),
    ...(q.stalled === true ? stalledJourney : {}),
  };
  const where = {
    // Without a campaign, stage is the lead's latest stage across campaigns.
    ...(q.stage && !q.campaign ? { stage: q.stage } : {}),
    ...(Object.keys(enrollmentFilter).length ? { enrollments: { some: enrollmentFilter } } : {}),
    ...(q.stalled === false
      ? { NOT: { enrollments: { some: { ...stalledJourney, ...(q.campaign ? { campaignId: q.campaign } : {}) } } } }
      : {}),
    ...(q.cursor
      ? { OR: [{ createdAt: { lt: q.cursor.createdAt } }, { createdAt: q.cursor.createdAt, id: { lt: q.cursor.id } }] }
      : {}),
  };
  const rows = await db.lead.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
    include: {
      enrollments: {
        select: { campaignId: true, workflowId: true, stage: true, score: true, stalled: true, status: true },
        orderBy: { enrolledAt: 'asc' },
      },
    },
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    leads: page.map((l) => ({
      id: l.id,
      email: l.email,
      firstName: l.firstName,
      lastName: l.lastName,
      company: l.company,
      stage: l.stage,
      ...summarizeEnrollments(l.enrollments),
      createdAt: l.createdAt,
      enrollments: l.enrollments,
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}

export function adminLeadRoutes(db: Db) {
  return async (app: FastifyInstance) => {
    app.addHook('onSend', async (_req, reply) => {
      void reply.header('cache-control', 'no-store');
    });

    app.get<{ Params: { id: string } }>('/api/leads/:id', async (req, reply) => {
      const detail = UUID.test(req.params.id) ? await leadDetail(db, req.params.id.toLowerCase()) : undefined;
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
