// The lead list: filtered by stage, stall and campaign, newest first, keyset-paginated on
// (created_at, id) so that pages stay stable while leads arrive (GET /api/leads).
import { z } from 'zod';
import { campaignIdSchema, text } from '../core/rules/schemas.ts';
import type { Db } from '../infra/db.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { leadStanding } from './lead.ts';

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
      ...leadStanding(l.enrollments),
      createdAt: l.createdAt,
      enrollments: l.enrollments,
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
