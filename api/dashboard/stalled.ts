// Stalled leads, per stage: who, since when, last engagement, what the journey will do next,
// and two actions for sales: notify sales again, or move the lead on by hand (a signal to the
// journey, which records the stage change with who did it).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { campaignIdSchema } from '../../core/rules/schemas.ts';
import { listCampaigns } from '../../reports/campaigns.ts';
import { parseOrThrow } from '../../reports/query.ts';
import { loadStalled, STALLED_PAGE_SIZE, type StalledLead } from '../../reports/stalled.ts';
import type { RouteDeps } from '../deps.ts';
import { campaignSelect, html, leadName, n, qs, when, type Html } from './html.ts';
import { liveStatus, type LiveStatus } from './journey.ts';
import { flash, view } from './view.ts';

type StalledRow = StalledLead & { name: string; live?: LiveStatus };

const querySchema = z.object({
  campaign: campaignIdSchema.optional().or(z.literal('').transform(() => undefined)),
  stage: z
    .string()
    .max(100)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  live: z.enum(['0', '1']).optional(),
});

export function stalledPages(app: FastifyInstance, ctx: RouteDeps): void {
  view(app, '/dashboard/stalled', async (req) => {
    const f = parseOrThrow(querySchema, req.query);
    const [stalled, choices] = await Promise.all([loadStalled(ctx, f), listCampaigns(ctx)]);
    const { counts } = stalled;
    const leads: StalledRow[] = stalled.leads.map((l) => ({ ...l, name: leadName(l) }));
    // JSON callers may ask for the journeys' own answers (one bounded query each).
    if (f.live === '1') await Promise.all(leads.map(async (l) => (l.live = await liveStatus(ctx.temporal, l.workflowId))));
    const total = counts.filter((c) => !f.stage || c.stage === f.stage).reduce((n, c) => n + c.stalled, 0);
    const back = `/dashboard/stalled${qs({ campaign: f.campaign, stage: f.stage, page: f.page > 1 ? f.page : undefined })}`;
    return {
      title: 'Stalled leads',
      active: 'stalled',
      data: {
        campaign: f.campaign ?? null,
        stage: f.stage ?? null,
        page: f.page,
        pageSize: STALLED_PAGE_SIZE,
        total,
        counts,
        leads,
      },
      script: LIVE_STATUS_SCRIPT,
      body: () => html`
        <h1>Stalled leads</h1>
        ${flash(req.query)}
        <form class="filters" method="get">${campaignSelect(choices, f.campaign, { any: true })}
          <label>Stage<input name="stage" value="${f.stage ?? ''}" placeholder="any"></label><button>Show</button></form>
        <div class="kpis">${counts.length === 0 ? html`<p class="muted">Nobody is stalled. </p>` : ''}${counts.map(
          (c) =>
            html`<a class="kpi" data-stalled-stage="${c.stage ?? ''}" href="/dashboard/stalled${qs({ campaign: c.campaign, stage: c.stage })}"><b>${n(c.stalled)}</b>${c.stage ?? '(no stage)'} <span class="muted">${f.campaign ? '' : c.campaign}</span></a>`,
        )}</div>
        ${leads.length ? stalledTable(leads, back) : ''}
        ${pager(f, total)}`,
    };
  });

  // Live "what next" for the rows on screen, filled in after the page has rendered so that
  // a slow or absent worker never slows the page.
  view(app, '/dashboard/journeys/status', async (req) => {
    const ids = ([] as string[]).concat((req.query as { id?: string | string[] }).id ?? []).slice(0, STALLED_PAGE_SIZE);
    const statuses = await Promise.all(ids.map(async (id) => [id, await liveStatus(ctx.temporal, id)] as const));
    return {
      title: 'Journey status',
      data: Object.fromEntries(statuses),
      body: () => html`<pre>${JSON.stringify(Object.fromEntries(statuses), null, 2)}</pre>`,
    };
  });
}

function stalledTable(leads: StalledRow[], back: string): Html {
  return html`<div class="scroll"><table class="stalled">
    <thead><tr><th>Lead</th><th>Stage</th><th>Stalled since</th><th>Last engagement</th><th class="num">Score</th><th>What happens next</th><th>Act</th></tr></thead>
    <tbody>${leads.map(
      (l) => html`<tr data-lead="${l.leadId}" data-workflow="${l.workflowId}">
        <td><a href="/dashboard/leads/${l.leadId}">${l.name}</a><br><span class="muted">${l.campaignId}</span></td>
        <td><span class="tag stalled">${l.stage ?? '–'}</span></td>
        <td>${when(l.stalledSince ?? l.stageEnteredAt)}${l.stalledReason ? html`<br><span class="muted">${l.stalledReason}</span>` : ''}</td>
        <td>${when(l.lastEngagementAt)}</td>
        <td class="num">${l.score}</td>
        <td>${l.plan}${l.dormantAt ? html`; dormant on ${when(l.dormantAt)}` : ''}<br><span class="muted" data-next="${l.workflowId}">asking the journey…</span></td>
        <td>${actions(l, back)}</td>
      </tr>`,
    )}</tbody></table></div>`;
}

export function actions(
  l: Pick<StalledLead, 'leadId' | 'campaignId' | 'moveTo' | 'stage'>,
  back: string,
  stages: string[] = [],
): Html {
  const base = `/dashboard/leads/${l.leadId}/campaigns/${encodeURIComponent(l.campaignId)}`;
  const targets = stages.length ? stages.filter((s) => s !== l.stage) : l.moveTo ? [l.moveTo] : [];
  return html`<div class="actions">
    <form method="post" action="${base}/notify"><input type="hidden" name="back" value="${back}">
      <input type="hidden" name="nonce" value="${Math.random().toString(36).slice(2)}${Date.now().toString(36)}">
      <button class="secondary" title="tell sales about this lead again">Notify sales</button></form>
    ${
      targets.length
        ? html`<form method="post" action="${base}/move"><input type="hidden" name="back" value="${back}">
          <select name="to" aria-label="move to stage">${targets.map((s) => html`<option${s === l.moveTo ? html` selected` : ''}>${s}</option>`)}</select>
          <button title="signal the journey to move this lead">Move on</button></form>`
        : ''
    }
  </div>`;
}

function pager(f: { page: number; campaign?: string; stage?: string }, total: number): Html {
  const pages = Math.ceil(total / STALLED_PAGE_SIZE);
  if (pages <= 1) return html``;
  const link = (p: number, label: string) =>
    html`<a href="/dashboard/stalled${qs({ campaign: f.campaign, stage: f.stage, page: p })}">${label}</a>`;
  return html`<p>${f.page > 1 ? link(f.page - 1, '← previous') : ''} page ${f.page} of ${pages} ${f.page < pages ? link(f.page + 1, 'next →') : ''}</p>`;
}

/** Fills every [data-next] cell from /dashboard/journeys/status.json. */
export const LIVE_STATUS_SCRIPT = `
(async () => {
  const cells = [...document.querySelectorAll('[data-next]')];
  if (!cells.length) return;
  const ids = [...new Set(cells.map((c) => c.dataset.next))];
  try {
    const res = await fetch('/dashboard/journeys/status.json?' + ids.map((i) => 'id=' + encodeURIComponent(i)).join('&'), { headers: { accept: 'application/json' } });
    const all = await res.json();
    for (const c of cells) {
      const s = all[c.dataset.next];
      c.textContent = !s ? 'unknown' : s.ok ? 'journey: ' + s.summary : 'journey: ' + s.reason;
    }
  } catch (e) {
    for (const c of cells) c.textContent = 'journey status unavailable';
  }
})();`;
