// Stalled leads, per stage: who, since when, their last engagement, and what the campaign file
// says happens next. Read from enrollments and lead_flags (never from Temporal), for the
// dashboard's stalled page and its JSON.
import { Prisma } from '../generated/prisma/client.ts';
import { stallPlan } from '../core/journey/query.ts';
import { nextStage } from '../core/journey/state.ts';
import type { CampaignRegistry } from '../infra/campaigns.ts';
import type { Db } from '../infra/db.ts';

export const STALLED_PAGE_SIZE = 100;

export interface StalledLead {
  workflowId: string;
  leadId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  campaignId: string;
  stage: string | null;
  score: number;
  stalledSince: string | null;
  stalledReason: string | null;
  stageEnteredAt: string | null;
  lastEngagementAt: string | null;
  plan: string;
  dormantAt: string | null;
  moveTo: string | null;
}

interface Row {
  workflow_id: string;
  lead_id: string;
  campaign_id: string;
  stage: string | null;
  score: number;
  stage_entered_at: Date | null;
  last_engagement_at: Date | null;
  email: string;
  first_name: string | null;
  last_name: string | null;
  stalled_since: Date | null;
  stalled_reason: string | null;
}

export interface StalledFilter {
  campaign?: string;
  stage?: string;
  page: number;
}

const stalledWhere = (f: StalledFilter) => Prisma.sql`e.stalled AND e.status = 'active'
    ${f.campaign ? Prisma.sql`AND e.campaign_id = ${f.campaign}` : Prisma.empty}`;

export function stalledCountsSql(f: StalledFilter): Prisma.Sql {
  return Prisma.sql`
    SELECT campaign_id, stage, count(*)::int AS n FROM enrollments e WHERE ${stalledWhere(f)}
    GROUP BY campaign_id, stage ORDER BY campaign_id, stage`;
}

/**
 * The open stall flag says since when (longest-stalled first); the enrollment's stage entry
 * stands in for journeys stalled before flags were written.
 */
export function stalledListSql(f: StalledFilter): Prisma.Sql {
  return Prisma.sql`
    SELECT e.workflow_id, e.lead_id, e.campaign_id, e.stage, e.score, e.stage_entered_at, e.last_engagement_at,
           l.email, l.first_name, l.last_name, f.created_at AS stalled_since, f.reason AS stalled_reason
    FROM enrollments e
    JOIN leads l ON l.id = e.lead_id
    LEFT JOIN LATERAL (
      SELECT created_at, reason FROM lead_flags lf
      WHERE lf.lead_id = e.lead_id AND lf.workflow_id = e.workflow_id AND lf.kind = 'stalled' AND lf.cleared_at IS NULL
      ORDER BY created_at DESC LIMIT 1) f ON true
    WHERE ${stalledWhere(f)} ${f.stage ? Prisma.sql`AND e.stage = ${f.stage}` : Prisma.empty}
    ORDER BY coalesce(f.created_at, e.stage_entered_at) NULLS LAST, e.id
    LIMIT ${STALLED_PAGE_SIZE} OFFSET ${(f.page - 1) * STALLED_PAGE_SIZE}`;
}

export async function loadStalled(ctx: { db: Db; campaigns: CampaignRegistry }, f: StalledFilter) {
  const [counts, rows] = await Promise.all([
    ctx.db.$queryRaw<Array<{ campaign_id: string; stage: string | null; n: number }>>(stalledCountsSql(f)),
    ctx.db.$queryRaw<Row[]>(stalledListSql(f)),
  ]);
  const leads = rows.map((r): StalledLead => {
    const campaign = ctx.campaigns.get(r.campaign_id)?.campaign;
    const plan = stallPlan(campaign, r.stage, r.stalled_since);
    return {
      workflowId: r.workflow_id,
      leadId: r.lead_id,
      email: r.email,
      firstName: r.first_name,
      lastName: r.last_name,
      campaignId: r.campaign_id,
      stage: r.stage,
      score: r.score,
      stalledSince: r.stalled_since?.toISOString() ?? null,
      stalledReason: r.stalled_reason,
      stageEnteredAt: r.stage_entered_at?.toISOString() ?? null,
      lastEngagementAt: r.last_engagement_at?.toISOString() ?? null,
      plan: plan.text,
      dormantAt: plan.dormantAt,
      moveTo: (campaign && nextStage(campaign, r.stage)) ?? null,
    };
  });
  return { counts: counts.map((c) => ({ campaign: c.campaign_id, stage: c.stage, stalled: c.n })), leads };
}
