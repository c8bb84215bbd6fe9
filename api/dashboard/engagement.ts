// Engagement per template: sends, opens, clicks, replies, unsubscribes and their rates, for
// one campaign (or all) and period. Rates count leads, not events: a lead who opens the same
// email five times is one open, so a rate never passes 100%.
import type { FastifyInstance } from 'fastify';
import { Prisma } from '../../generated/prisma/client.ts';
import { formatRate } from '../../core/funnel.ts';
import { utc } from '../funnel.ts';
import { campaignSelect, listCampaigns } from './campaignList.ts';
import { html, n, qs } from './html.ts';
import { dayOf, lastDayOf, parseOrThrow, periodSchema, resolvePeriod, type Period } from './params.ts';
import { view, type DashboardContext } from './view.ts';

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

export async function loadEngagement(ctx: DashboardContext, f: { campaign?: string } & Period): Promise<TemplateEngagement[]> {
  const campaign = (col: string) => (f.campaign ? Prisma.sql`AND ${Prisma.raw(col)} = ${f.campaign}` : Prisma.empty);
  const [sends, events] = await Promise.all([
    ctx.db.$queryRaw<Array<{ template_id: string; sent: number; bounced: number; suppressed: number }>>`
      SELECT template_id, count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'bounced')::int AS bounced,
             count(*) FILTER (WHERE status = 'suppressed')::int AS suppressed
      FROM sent_messages WHERE claimed_at >= ${utc(f.from)} AND claimed_at < ${utc(f.to)} ${campaign('campaign_id')}
      GROUP BY template_id`,
    // Two hash aggregates instead of count(DISTINCT): no sort of every event.
    ctx.db.$queryRaw<Array<{ template_id: string; type: EngagementType; leads: number; events: number }>>`
      SELECT template_id, type, count(*)::int AS leads, sum(n)::int AS events FROM (
        SELECT template_id, type, lead_id, count(*) AS n FROM engagement_events
        WHERE template_id IS NOT NULL AND type IN (${Prisma.join([...ENGAGEMENT_TYPES])})
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

export function engagementPages(app: FastifyInstance, ctx: DashboardContext): void {
  view(app, '/dashboard/engagement', async (req) => {
    const q = parseOrThrow(periodSchema, {
      ...(req.query as object),
      campaign: (req.query as { campaign?: string }).campaign || undefined,
    });
    const period = resolvePeriod(q, Date.now(), ENGAGEMENT_DEFAULT_DAYS);
    const [rows, choices] = await Promise.all([loadEngagement(ctx, { campaign: q.campaign, ...period }), listCampaigns(ctx)]);
    return {
      title: 'Engagement per template',
      active: 'engagement',
      data: { campaign: q.campaign ?? null, from: period.from.toISOString(), to: period.to.toISOString(), templates: rows },
      body: () =>
        html`<h1>Engagement per template</h1>
          <form class="filters" method="get">
            ${campaignSelect(choices, q.campaign, { any: true })}
            <label>From<input type="date" name="from" value="${dayOf(period.from)}" /></label>
            <label>to<input type="date" name="to" value="${lastDayOf(period)}" /></label><button>Show</button>
          </form>
          ${
            rows.length === 0
              ? html`<p class="muted">Nothing sent in this period.</p>`
              : html`<div class="scroll">
                    <table class="engagement">
                      <thead>
                        <tr>
                          <th>Template</th>
                          <th class="num">Sent</th>
                          <th class="num">Opens</th>
                          <th class="num">Clicks</th>
                          <th class="num">Replies</th>
                          <th class="num">Unsubscribes</th>
                          <th class="num">Bounced</th>
                          <th class="num">Suppressed</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${rows.map(
                          (r) =>
                            html`<tr data-template="${r.templateId}">
                              <td><a href="/dashboard/templates/${r.templateId}">${r.templateId}</a></td>
                              <td class="num" data-col="sent">${n(r.sent)}</td>
                              ${ENGAGEMENT_TYPES.map((t) => html`<td class="num" data-col="${t}" title="${r.events[t]} events">${n(r.leads[t])} <span class="muted">(${formatRate(r.rates[t])})</span></td>`)}
                              <td class="num">${r.bounced}</td>
                              <td class="num">${r.suppressed}</td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>
                  </div>
                  <p class="muted">
                    Sends by the time they were claimed; engagement by the time it happened; rates are distinct leads over sends.
                    <a
                      href="/dashboard/engagement.json${qs({ campaign: q.campaign, from: dayOf(period.from), to: lastDayOf(period) })}"
                      >JSON</a
                    >
                  </p>`
          }`,
    };
  });
}
