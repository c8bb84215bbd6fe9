// What the scrape-time gauges count (observability/metrics.ts): open journeys by campaign, stage
// and status, and stalled ones by the same rule as the stalled page (reports/stalled.ts). Ended
// journeys are left out: they only grow, and the funnel reports count them.
import { Prisma } from '../generated/prisma/client.ts';
import { OPEN_ENROLLMENT_STATUSES } from '../core/enrollment.ts';
import type { Db } from '../infra/db.ts';
import type { GaugeReaders } from '../observability/metrics.ts';
import { stalledCountsSql } from './stalled.ts';

/** A journey that has not reached a stage yet is counted under this stage label. */
const NO_STAGE = 'none';

export function journeyGaugeReaders(db: Db): GaugeReaders {
  return {
    async journeys() {
      const rows = await db.$queryRaw<Array<{ campaign_id: string; stage: string | null; status: string; n: number }>>(Prisma.sql`
        SELECT campaign_id, stage, status, count(*)::int AS n FROM enrollments
        WHERE status IN (${Prisma.join([...OPEN_ENROLLMENT_STATUSES])}) GROUP BY campaign_id, stage, status`);
      return rows.map((r) => ({ labels: { campaign: r.campaign_id, stage: r.stage ?? NO_STAGE, status: r.status }, value: r.n }));
    },
    async stalled() {
      const rows = await db.$queryRaw<Array<{ campaign_id: string; stage: string | null; n: number }>>(
        stalledCountsSql({ page: 1 }),
      );
      return rows.map((r) => ({ labels: { campaign: r.campaign_id, stage: r.stage ?? NO_STAGE }, value: r.n }));
    },
  };
}
