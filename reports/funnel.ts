// The funnel of one campaign for the leads that enrolled in a period, counted from
// stage_changes and enrollments (never from Temporal). The SQL only counts; core/funnel.ts turns
// the counts into rates, so the dashboard, GET /api/funnel and `nurture report funnel` show the
// same numbers.
//
// Cost: one pass over the cohort's stage changes (a window for the stays, a GROUP BY for
// the medians and one for the stage sets); see bench/ for the plans at 100,000 leads.
import { Prisma } from '../generated/prisma/client.ts';
import { utc } from './sql.ts';
import { OPEN_ENROLLMENT_STATUSES } from '../core/enrollment.ts';
import { buildFunnel, type CurrentStats, type FunnelReport, type PathCount, type StageStats } from '../core/funnel.ts';
import type { CampaignRegistry } from '../infra/campaigns.ts';
import type { Db } from '../infra/db.ts';
import { campaignIdSchema } from '../core/rules/schemas.ts';
import { parseOrThrow, periodSchema, resolvePeriod, type Period } from './query.ts';

/** A bigint bit per stage in one query; campaigns have a handful. */
const MAX_STAGES = 62;
/** The stays sort needs ~20 MB at 100,000 leads; the default 4 MB would spill it to disk. */
const FUNNEL_WORK_MEM = '64MB';

export interface FunnelQuery extends Period {
  campaignId: string;
  /** Overrides the stage order (otherwise the campaign file's, then the history's). */
  stages?: string[];
}

/** Every stage the campaign's history names: a skip scan over the (campaign, to_stage) index. */
export function knownStagesSql(campaignId: string): Prisma.Sql {
  return Prisma.sql`
    WITH RECURSIVE s AS (
      (SELECT to_stage FROM stage_changes WHERE campaign_id = ${campaignId} ORDER BY to_stage LIMIT 1)
      UNION ALL
      SELECT (SELECT to_stage FROM stage_changes WHERE campaign_id = ${campaignId} AND to_stage > s.to_stage ORDER BY to_stage LIMIT 1)
      FROM s WHERE s.to_stage IS NOT NULL)
    SELECT to_stage AS stage FROM s WHERE to_stage IS NOT NULL`;
}

/**
 * Per stage (k = 1-based position in `dict`): completed stays and their median; the mean time
 * from enrollment to entry. Per enrollment: the set of stages it reached, as a bit mask,
 * counted per distinct mask. Stays are keyed by lead_id (within one campaign a lead has one
 * enrollment) so that the (campaign_id, lead_id, occurred_at, to_stage) index hands the window
 * its rows already in order: an index-only scan merge-joined with the cohort, no big sort.
 */
export function funnelHistorySql(q: FunnelQuery, dict: string[]): Prisma.Sql {
  return Prisma.sql`
    WITH rows AS MATERIALIZED (
      SELECT sc.lead_id, array_position(${dict}::text[], sc.to_stage) AS k,
             date_part('epoch', sc.occurred_at - e.enrolled_at) AS offset_s,
             date_part('epoch', lead(sc.occurred_at) OVER (PARTITION BY sc.lead_id ORDER BY sc.occurred_at) - sc.occurred_at) AS stay_s
      FROM enrollments e
      JOIN stage_changes sc ON sc.lead_id = e.lead_id AND sc.campaign_id = e.campaign_id
      WHERE e.campaign_id = ${q.campaignId} AND e.enrolled_at >= ${utc(q.from)} AND e.enrolled_at < ${utc(q.to)})
    SELECT k, NULL::text AS mask, count(*)::int AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY stay_s) AS median_s, NULL::float8 AS offset_s
    FROM rows WHERE k IS NOT NULL AND stay_s IS NOT NULL GROUP BY k
    UNION ALL
    SELECT k, NULL, NULL, NULL, avg(offset_s)::float8 FROM rows WHERE k IS NOT NULL GROUP BY k
    UNION ALL
    SELECT NULL, mask::text, count(*)::int, NULL, NULL
    FROM (SELECT bit_or(1::bigint << (k - 1)) AS mask FROM rows WHERE k IS NOT NULL GROUP BY lead_id) m GROUP BY mask`;
}

/** Where the period's enrollments are now. */
export function funnelCurrentSql(q: FunnelQuery): Prisma.Sql {
  return Prisma.sql`
    SELECT stage,
           -- Pending: the journey is starting (or the reconciler removes the row): not lost.
           count(*) FILTER (WHERE status IN (${Prisma.join(OPEN_ENROLLMENT_STATUSES)}))::int AS active,
           count(*) FILTER (WHERE status = 'active' AND stalled)::int AS stalled,
           count(*) FILTER (WHERE status IN ('dormant', 'exited'))::int AS lost,
           count(*) FILTER (WHERE status = 'completed')::int AS completed,
           count(*)::int AS total
    FROM enrollments
    WHERE campaign_id = ${q.campaignId} AND enrolled_at >= ${utc(q.from)} AND enrolled_at < ${utc(q.to)}
    GROUP BY stage`;
}

interface HistoryRow {
  k: number | null;
  mask: string | null;
  n: number | null;
  median_s: number | null;
  offset_s: number | null;
}

export async function loadFunnel(db: Db, campaigns: CampaignRegistry, q: FunnelQuery): Promise<FunnelReport> {
  const declared = q.stages ?? Object.keys(campaigns.get(q.campaignId)?.campaign.stages ?? {});
  const known = await db.$queryRaw<Array<{ stage: string }>>(knownStagesSql(q.campaignId));
  const dict = [...new Set([...declared, ...known.map((r) => r.stage)])];
  if (dict.length > MAX_STAGES) throw new Error(`campaign ${q.campaignId} has more than ${MAX_STAGES} stages`);

  const [history, current] = await Promise.all([
    db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL work_mem = '${FUNNEL_WORK_MEM}'`);
      return tx.$queryRaw<HistoryRow[]>(funnelHistorySql(q, dict));
    }),
    db.$queryRaw<Array<CurrentStats & { total: number }>>(funnelCurrentSql(q)),
  ]);

  // Per stage: one row with the completed stays (sorted for the median, so only those), one
  // with the mean entry time (a hash aggregate over every entry).
  const byStage = new Map<string, StageStats>();
  for (const r of history) {
    if (r.k === null) continue;
    const stage = dict[r.k - 1]!;
    const s = byStage.get(stage) ?? { stage, stays: 0, medianSeconds: null, meanOffsetSeconds: null };
    if (r.n === null) s.meanOffsetSeconds = r.offset_s;
    else Object.assign(s, { stays: r.n, medianSeconds: r.median_s });
    byStage.set(stage, s);
  }
  const stageStats = [...byStage.values()];
  const paths: PathCount[] = history
    .filter((r) => r.mask !== null)
    .map((r) => {
      const mask = BigInt(r.mask!);
      return { stages: dict.filter((_, i) => (mask >> BigInt(i)) & 1n), count: r.n ?? 0 };
    });
  return buildFunnel({
    campaignId: q.campaignId,
    from: q.from,
    to: q.to,
    declaredStages: declared,
    enrolled: current.reduce((n, c) => n + c.total, 0),
    stageStats,
    paths,
    current,
  });
}

/** Parses `campaign`, `from`, `to` and `stages` (comma-separated) from a query string object. */
export function funnelQueryFrom(query: unknown, defaultCampaign: string): FunnelQuery {
  const q = parseOrThrow(periodSchema.extend({ stages: campaignIdSchema.array().optional() }), {
    ...(query as object),
    stages:
      typeof (query as { stages?: unknown })?.stages === 'string'
        ? (query as { stages: string }).stages.split(',').filter(Boolean)
        : undefined,
  });
  return { campaignId: q.campaign ?? defaultCampaign, ...resolvePeriod(q), ...(q.stages?.length ? { stages: q.stages } : {}) };
}
