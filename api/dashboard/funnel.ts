// The funnel page: for one campaign and period, leads per stage as bars, the conversion and
// drop-off between consecutive stages, median time in stage and stalls. Same numbers as
// GET /api/funnel and `nurture report funnel`.
import type { FastifyInstance } from 'fastify';
import { formatRate, formatSeconds, type FunnelReport } from '../../core/funnel.ts';
import { listCampaigns } from '../../reports/campaigns.ts';
import { funnelQueryFrom, loadFunnel } from '../../reports/funnel.ts';
import { BadParams, dayOf, lastDayOf } from '../../reports/query.ts';
import type { RouteDeps } from '../deps.ts';
import { campaignSelect, html, n, qs, type Html } from './html.ts';
import { view } from './view.ts';

export function funnelPages(app: FastifyInstance, ctx: RouteDeps): void {
  app.get('/dashboard', async (_req, reply) => reply.redirect('/dashboard/funnel'));

  view(app, '/dashboard/funnel', async (req) => {
    const q = funnelQueryFrom(req.query, ctx.config.DEFAULT_CAMPAIGN);
    const [report, choices] = await Promise.all([loadFunnel(ctx.db, ctx.campaigns, q), listCampaigns(ctx)]);
    const period = { from: dayOf(q.from), to: lastDayOf(q) };
    return {
      title: `Funnel: ${q.campaignId}`,
      active: 'funnel',
      data: report,
      css: barWidths(report),
      body: () => html`
        <h1>Funnel <span class="muted">· ${q.campaignId}</span></h1>
        <form class="filters" method="get">
          ${campaignSelect(choices, q.campaignId)}
          <label>Enrolled from<input type="date" name="from" value="${period.from}"></label>
          <label>to<input type="date" name="to" value="${period.to}"></label>
          <button>Show</button>
          <a href="/api/funnel${qs({ campaign: q.campaignId, from: period.from, to: period.to })}">JSON</a>
        </form>
        ${kpis(report)}
        <section class="card" aria-label="Funnel chart">${chart(report)}</section>
        ${table(report)}
        <p class="muted">Leads who enrolled in the period, followed to now. <em>Reached</em> counts a lead in every stage up to the
        furthest it got (a goal that skips a stage still passes it); <em>entered</em> counts recorded entries. Median time in stage
        is over completed stays.</p>`,
    };
  });
}

function kpis(r: FunnelReport): Html {
  const last = r.stages[r.stages.length - 1];
  return html`<div class="kpis">
    <div class="kpi" data-kpi="enrolled"><b>${n(r.enrolled)}</b>enrolled</div>
    <div class="kpi" data-kpi="overall"><b>${formatRate(r.overallConversion)}</b>${last ? `reached ${last.stage}` : 'overall'}</div>
    <div class="kpi" data-kpi="current"><b>${n(r.totals.current)}</b>active now</div>
    <div class="kpi" data-kpi="stalled"><b>${n(r.totals.stalled)}</b><a href="/dashboard/stalled${qs({ campaign: r.campaignId })}">stalled</a></div>
    <div class="kpi" data-kpi="lost"><b>${n(r.totals.lost)}</b>dormant or left</div>
  </div>`;
}

/**
 * Each bar's width as a rule in the page's own (nonce-carrying) stylesheet: the CSP allows no
 * style attributes.
 */
function barWidths(r: FunnelReport): string {
  const max = Math.max(1, ...r.stages.map((s) => s.reached));
  return r.stages.map((s, i) => `.funnel .bar[data-bar="${i}"]{width:${((s.reached / max) * 100).toFixed(2)}%}`).join('\n');
}

function chart(r: FunnelReport): Html {
  if (r.enrolled === 0) return html`<p class="muted">No lead enrolled in this campaign in the period.</p>`;
  return html`<div class="funnel">${r.stages.map(
    (s, i) => html`
      <div class="row" data-stage="${s.stage}" data-reached="${s.reached}">
        <span>${s.stage}</span>
        <div class="track"><div class="bar" data-bar="${i}" title="${s.reached} reached ${s.stage}">${n(s.reached)}</div></div>
      </div>
      ${
        i < r.stages.length - 1
          ? html`<div class="row"><span class="step" data-conversion="${s.stage}">↓ ${formatRate(s.conversion)} move on · ${n(s.dropOff ?? 0)} drop off</span></div>`
          : ''
      }`,
  )}</div>`;
}

function table(r: FunnelReport): Html {
  // Without a campaign file every stage comes from the history: say so once, not per row.
  const hasFile = r.stages.some((s) => s.declared);
  return html`${hasFile ? '' : html`<p class="muted">No campaign file declares ${r.campaignId}: stages are ordered by when leads reached them.</p>`}
  <div class="scroll"><table class="funnel-table">
    <thead><tr><th>Stage</th><th class="num">Reached</th><th class="num">Entered</th><th class="num">Of enrolled</th>
      <th class="num">Conversion to next</th><th class="num">Drop-off</th><th class="num">Median time in stage</th>
      <th class="num">In stage now</th><th class="num">Stalled</th><th class="num">Dormant/left</th></tr></thead>
    <tbody>${r.stages.map(
      (s) => html`<tr data-stage="${s.stage}">
        <td>${s.stage}${s.declared || !hasFile ? '' : html`<span class="muted" title="in the stage history, not in the campaign file"> *</span>`}</td>
        <td class="num" data-col="reached">${n(s.reached)}</td>
        <td class="num" data-col="entered">${n(s.entered)}</td>
        <td class="num">${formatRate(s.shareOfEnrolled)}</td>
        <td class="num" data-col="conversion">${formatRate(s.conversion)}</td>
        <td class="num" data-col="dropoff">${s.dropOff === null ? '–' : `${n(s.dropOff)} (${formatRate(s.dropOffRate)})`}</td>
        <td class="num" data-col="median" title="${s.medianSamples} completed stays">${formatSeconds(s.medianSecondsInStage)}</td>
        <td class="num" data-col="current">${n(s.current)}</td>
        <td class="num" data-col="stalled">${s.stalled > 0 ? html`<a href="/dashboard/stalled${qs({ campaign: r.campaignId, stage: s.stage })}">${n(s.stalled)}</a>` : '0'}</td>
        <td class="num" data-col="lost">${n(s.lost)}</td>
      </tr>`,
    )}</tbody></table></div>`;
}

/** GET /api/funnel?campaign=&from=&to=&stages=: the funnel page's numbers for other tools. */
export function funnelApiRoutes(deps: RouteDeps) {
  return async (app: FastifyInstance) => {
    app.get('/api/funnel', async (req, reply) => {
      try {
        return await loadFunnel(deps.db, deps.campaigns, funnelQueryFrom(req.query, deps.config.DEFAULT_CAMPAIGN));
      } catch (err) {
        if (err instanceof BadParams)
          return reply.code(400).send({ error: 'invalid_query', message: err.message, issues: err.issues });
        throw err;
      }
    });
  };
}
