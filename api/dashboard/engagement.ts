// The engagement page: per template, sends and the share of leads who opened, clicked, replied
// or unsubscribed, for one campaign (or all) and period (reports/engagement.ts counts them).
import type { FastifyInstance } from 'fastify';
import { formatRate } from '../../core/funnel.ts';
import { listCampaigns } from '../../reports/campaigns.ts';
import { ENGAGEMENT_DEFAULT_DAYS, ENGAGEMENT_TYPES, loadEngagement } from '../../reports/engagement.ts';
import { dayOf, lastDayOf, parseOrThrow, periodSchema, resolvePeriod } from '../../reports/query.ts';
import type { RouteDeps } from '../deps.ts';
import { campaignSelect, html, n, qs } from './html.ts';
import { view } from './view.ts';

export function engagementPages(app: FastifyInstance, ctx: RouteDeps): void {
  view(app, '/dashboard/engagement', async (req) => {
    const q = parseOrThrow(periodSchema, {
      ...(req.query as object),
      campaign: (req.query as { campaign?: string }).campaign || undefined,
    });
    const period = resolvePeriod(q, Date.now(), ENGAGEMENT_DEFAULT_DAYS);
    const [rows, choices] = await Promise.all([loadEngagement(ctx.db, { campaign: q.campaign, ...period }), listCampaigns(ctx)]);
    return {
      title: 'Engagement per template',
      active: 'engagement',
      data: { campaign: q.campaign ?? null, from: period.from.toISOString(), to: period.to.toISOString(), templates: rows },
      body: () => html`<h1>Engagement per template</h1>
        <form class="filters" method="get">${campaignSelect(choices, q.campaign, { any: true })}
          <label>From<input type="date" name="from" value="${dayOf(period.from)}"></label>
          <label>to<input type="date" name="to" value="${lastDayOf(period)}"></label><button>Show</button></form>
        ${
          rows.length === 0
            ? html`<p class="muted">Nothing sent in this period.</p>`
            : html`<div class="scroll"><table class="engagement"><thead><tr><th>Template</th><th class="num">Sent</th><th class="num">Opens</th><th class="num">Clicks</th>
              <th class="num">Replies</th><th class="num">Unsubscribes</th><th class="num">Bounced</th><th class="num">Suppressed</th></tr></thead>
            <tbody>${rows.map(
              (
                r,
              ) => html`<tr data-template="${r.templateId}"><td><a href="/dashboard/templates/${r.templateId}">${r.templateId}</a></td>
                <td class="num" data-col="sent">${n(r.sent)}</td>
                ${ENGAGEMENT_TYPES.map((t) => html`<td class="num" data-col="${t}" title="${r.events[t]} events">${n(r.leads[t])} <span class="muted">(${formatRate(r.rates[t])})</span></td>`)}
                <td class="num">${r.bounced}</td><td class="num">${r.suppressed}</td></tr>`,
            )}</tbody></table></div>
            <p class="muted">Sends by the time they were claimed; engagement by the time it happened; rates are distinct leads over sends.
              <a href="/dashboard/engagement.json${qs({ campaign: q.campaign, from: dayOf(period.from), to: lastDayOf(period) })}">JSON</a></p>`
        }`,
    };
  });
}
