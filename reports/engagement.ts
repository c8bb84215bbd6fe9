// Engagement per template: sends, opens, clicks, replies, unsubscribes and their rates, for
// one campaign (or all) and period. Rates count leads, not events: a lead who opens the same
// email five times is one open, so a rate never passes 100%.
import { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../infra/db.ts';
import type { Period } from './query.ts';
import { utc } from './sql.ts';

/** Email performance is read over the last month; the funnel's 90 days would mostly be old news. */
export const ENGAGEMENT_DEFAULT_DAYS = 30;

export const ENGAGEMENT_TYPES = ['open', 'click', 'reply', 'unsubscribe'] as const;
type EngagementType = (typeof ENGAGEMENT_TYPES)[number];

export interface TemplateEngagement {
  templateId: string;
  sent: number;
  bounced: number;
  suppressed: number;
  /** Distinct leads per engagement type, and all events of that type. */
  leads: Record<EngagementType, number>;
  events: Record<EngagementType, number>;
  rates: Record<EngagementType, number | null>;
}

export async function loadEngagement(db: Db, f: { campaign?: string } & Period): Promise<TemplateEngagement[]> {
  const campaign = (col: string) => (f.campaign ? Prisma.sql`AND ${Prisma.raw(col)} = ${f.campaign}` : Prisma.empty);
  const [sends, events] = await Promise.all([
    db.$queryRaw<Array<{ template_id: string; sent: number; bounced: number; suppressed: number }>>`
      SELECT template_id, count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'bounced')::int AS bounced,
             count(*) FILTER (WHERE status = 'suppressed')::int AS suppressed
      FROM sent_messages WHERE claimed_at >= ${utc(f.from)} AND claimed_at < ${utc(f.to)} ${campaign('campaign_id')}
      GROUP BY template_id`,
    // Two hash aggregates instead of count(DISTINCT): no sort of every event. Pending rows
    // (journeys still being told, see api/engagement.ts) are not counted until settled.
    db.$queryRaw<Array<{ template_id: string; type: EngagementType; leads: number; events: number }>>`
      SELECT template_id, type, count(*)::int AS leads, sum(n)::int AS events FROM (
        SELECT template_id, type, lead_id, count(*) AS n FROM engagement_events
        WHERE template_id IS NOT NULL AND type IN (${Prisma.join([...ENGAGEMENT_TYPES])}) AND pending_since IS NULL
          AND occurred_at >= ${utc(f.from)} AND occurred_at < ${utc(f.to)} ${campaign('campaign_id')}
        GROUP BY template_id, type, lead_id) per_lead
      GROUP BY template_id, type`,
  ]);
  const zero = () => Object.fromEntries(ENGAGEMENT_TYPES.map((t) => [t, 0])) as Record<EngagementType, number>;
  const byTemplate = new Map<string, TemplateEngagement>();
  const row = (id: string) => {
    let r = byTemplate.get(id);
    if (!r)
      byTemplate.set(
        id,
        (r = { templateId: id, sent: 0, bounced: 0, suppressed: 0, leads: zero(), events: zero(), rates: zero() }),
      );
    return r;
  };
  for (const s of sends) Object.assign(row(s.template_id), { sent: s.sent, bounced: s.bounced, suppressed: s.suppressed });
  for (const e of events) {
    row(e.template_id).leads[e.type] = e.leads;
    row(e.template_id).events[e.type] = e.events;
  }
  for (const r of byTemplate.values()) {
    for (const t of ENGAGEMENT_TYPES) r.rates[t] = r.sent > 0 ? Math.min(1, r.leads[t] / r.sent) : null;
  }
  return [...byTemplate.values()].sort((a, b) => b.sent - a.sent || a.templateId.localeCompare(b.templateId));
}
