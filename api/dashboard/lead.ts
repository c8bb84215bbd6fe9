// One lead's story: every email sent (with its rendered copy), every engagement event, stage
// change, flag and sales notification on one timeline; the score over time; time in each
// stage; and what the journey has scheduled next (asked of the journey itself).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { leadIdSchema } from '../../core/rules/schemas.ts';
import { stageStays, formatSeconds } from '../../core/funnel.ts';
import { sampleRenderContext } from '../../email/index.ts';
import { templateState } from './catalog.ts';
import { html, leadName, raw, when, type Html } from './html.ts';
import { nextStage } from '../../core/journey/state.ts';
import { isOpenEnrollment } from '../../core/enrollment.ts';
import { liveStatus } from './journey.ts';
import { leadTimeline, loadLeadRecord, type LeadTimelineEntry } from '../../reports/lead.ts';
import { BadParams, parseOrThrow } from '../../reports/query.ts';
import { actions, LIVE_STATUS_SCRIPT } from './stalled.ts';
import { sendPreview } from './preview.ts';
import { flash, NotFound, params, view, wantsJson } from './view.ts';
import type { RouteDeps } from '../deps.ts';
import { leadSnapshotOf } from '../../core/lead.ts';

const idSchema = z.object({ id: leadIdSchema });

/** A timeline line as the page shows it (the JSON twin carries the same). */
interface TimelineLine {
  at: string;
  kind: 'email' | 'event' | 'stage' | 'flag' | 'notify' | 'discount';
  campaignId: string | null;
  title: string;
  detail: string | null;
  link?: string;
}

function line(leadId: string, t: LeadTimelineEntry): TimelineLine {
  const base = { at: t.at.toISOString(), campaignId: t.campaignId };
  switch (t.kind) {
    case 'message':
      return {
        ...base,
        kind: 'email',
        title: `${t.status === 'sent' ? 'Sent' : t.status} ${t.templateId}`,
        detail: t.subject ?? t.reason,
        link: `/dashboard/leads/${leadId}/messages/${t.id}`,
      };
    case 'event':
      return { ...base, kind: 'event', title: t.type, detail: t.templateId ? `on ${t.templateId}` : null };
    case 'stage_change':
      return {
        ...base,
        kind: 'stage',
        title: `${t.from ?? 'start'} → ${t.to}`,
        detail: `${t.reason}${t.actor !== 'journey' ? ` (by ${t.actor})` : ''}`,
      };
    case 'flag':
      return t.cleared
        ? { ...base, kind: 'flag', title: `${t.flag} cleared`, detail: null }
        : { ...base, kind: 'flag', title: `flagged ${t.flag}${t.stage ? ` in ${t.stage}` : ''}`, detail: t.reason };
    case 'notification':
      return { ...base, kind: 'notify', title: `sales notified (${t.status})`, detail: `${t.reason} → ${t.target}` };
    case 'discount':
      return {
        ...base,
        kind: 'discount',
        title: `discount ${t.code} (${t.percent}%)`,
        detail: `expires ${t.expiresAt.toISOString()}${t.redeemedAt ? ', redeemed' : ''}`,
      };
  }
}

async function loadLead(ctx: RouteDeps, id: string) {
  const record = await loadLeadRecord(ctx.db, id);
  if (!record) throw new NotFound(`no lead ${id}`);
  const { lead, enrollments, events, stageChanges } = record;
  const timeline = leadTimeline(record)
    .reverse()
    .map((t) => line(id, t));

  const now = new Date();
  const journeys = enrollments.map((e) => {
    const campaign = ctx.campaigns.get(e.campaignId)?.campaign;
    // The score as the journey counts it: the campaign's points per engagement type, summed
    // over time (the journey stores only the current score).
    const points = campaign?.scoring.points ?? {};
    let score = 0;
    const scoreOverTime = events
      .filter((ev) => (ev.campaignId === null || ev.campaignId === e.campaignId) && points[ev.type] !== undefined)
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())
      .map((ev) => ({ at: ev.occurredAt.toISOString(), score: (score += points[ev.type]!), event: ev.type }));
    const stays = stageStays(
      stageChanges.filter((c) => c.campaignId === e.campaignId),
      now,
    ).map((s) => ({ ...s, since: s.since.toISOString() }));
    return {
      campaignId: e.campaignId,
      workflowId: e.workflowId,
      stage: e.stage,
      score: e.score,
      stalled: e.stalled,
      status: e.status,
      enrolledAt: e.enrolledAt.toISOString(),
      stageEnteredAt: e.stageEnteredAt?.toISOString() ?? null,
      lastEngagementAt: e.lastEngagementAt?.toISOString() ?? null,
      stages: Object.keys(campaign?.stages ?? {}),
      moveTo: (campaign && nextStage(campaign, e.stage)) ?? null,
      scoreOverTime,
      stays,
    };
  });
  return { lead, journeys, timeline };
}

export function leadPages(app: FastifyInstance, ctx: RouteDeps): void {
  view(app, '/dashboard/leads/:id', async (req) => {
    const { id } = parseOrThrow(idSchema, params(req));
    const { lead, journeys, timeline } = await loadLead(ctx, id);
    // JSON callers get the journeys' own answers inline; the page fills them in afterwards.
    const live = wantsJson(req) ? await Promise.all(journeys.map((j) => liveStatus(ctx.temporal, j.workflowId))) : [];
    const back = `/dashboard/leads/${id}`;
    return {
      title: lead.email,
      data: {
        lead: {
          id: lead.id,
          email: lead.email,
          firstName: lead.firstName,
          lastName: lead.lastName,
          company: lead.company,
          timezone: lead.timezone,
          stage: lead.stage,
          createdAt: lead.createdAt.toISOString(),
          properties: lead.properties,
        },
        journeys: journeys.map((j, i) => ({ ...j, next: live[i] ?? null })),
        timeline,
      },
      script: LIVE_STATUS_SCRIPT,
      body: () => html`
        <h1>${leadName(lead)}</h1>
        ${flash(req.query)}
        <p class="muted">${lead.company ?? ''} ${lead.timezone ? `· ${lead.timezone}` : ''} · lead since ${when(lead.createdAt)}</p>
        ${journeys.map(
          (j) => html`<section class="card journey" data-campaign="${j.campaignId}">
            <h2>${j.campaignId}: <span data-stage>${j.stage ?? '–'}</span> ${j.stalled ? html`<span class="tag stalled">stalled</span>` : ''}
              <span class="tag">${j.status}</span> <span class="tag">score ${j.score}</span></h2>
            <p>Next: <span data-next="${j.workflowId}">asking the journey…</span></p>
            ${isOpenEnrollment(j.status) ? actions({ leadId: lead.id, campaignId: j.campaignId, stage: j.stage, moveTo: j.moveTo }, back, j.stages) : ''}
            <div class="two">
              <div><h3>Time in stage</h3><table><tbody>${j.stays.map(
                (s) =>
                  html`<tr><td>${s.stage}</td><td>${when(s.since)}</td><td class="num">${formatSeconds(s.seconds)}${s.open ? ' so far' : ''}</td></tr>`,
              )}</tbody></table></div>
              <div><h3>Score over time</h3>${sparkline(j.scoreOverTime)}</div>
            </div>
          </section>`,
        )}
        <h2>Timeline</h2>
        <ul class="timeline">${timeline.map(
          (
            t,
          ) => html`<li class="${t.kind}" data-kind="${t.kind}">${when(t.at)} <b>${t.link ? html`<a href="${t.link}">${t.title}</a>` : t.title}</b>
            ${t.detail ? html`<span data-detail>${t.detail}</span>` : ''} <span class="muted">${t.campaignId ?? ''}</span></li>`,
        )}</ul>`,
    };
  });

  // The rendered copy of one sent email: re-rendered for this lead from the current template
  // with placeholder links (a click here must not count as the lead's click or unsubscribe).
  view(app, '/dashboard/leads/:id/messages/:messageId', async (req) => {
    const { m, rendered, error } = await renderedCopy(ctx, params(req));
    const data = {
      message: {
        id: m.id,
        templateId: m.templateId,
        campaignId: m.campaignId,
        stage: m.stage,
        status: m.status,
        subject: m.subject,
        messageId: m.messageId,
        sentAt: m.sentAt?.toISOString() ?? null,
        toAddress: m.toAddress,
      },
      rendered,
      renderError: error,
    };
    return {
      title: m.subject ?? m.templateId,
      data,
      body: () => html`<h1>${m.subject ?? m.templateId}</h1>
        <p><a href="/dashboard/leads/${m.leadId}">← ${m.toAddress}</a> · ${m.templateId} · ${m.status} ${when(m.sentAt)} · <code>${m.messageId}</code></p>
        <p class="muted">Re-rendered from the current template with placeholder links; the subject above is the one that was sent.</p>
        ${
          rendered
            ? html`<div class="two"><iframe class="preview" sandbox="" title="HTML copy" src="/dashboard/leads/${m.leadId}/messages/${m.id}/preview"></iframe><pre>${rendered.text}</pre></div>`
            : html`<p class="problems">${error}</p>`
        }`,
    };
  });

  // The HTML of that copy alone, for the preview frame (preview.ts says why).
  app.get('/dashboard/leads/:id/messages/:messageId/preview', async (req, reply) => {
    let copy: Awaited<ReturnType<typeof renderedCopy>>;
    try {
      copy = await renderedCopy(ctx, req.params as Record<string, string>);
    } catch (err) {
      if (err instanceof NotFound || err instanceof BadParams)
        return reply.code(404).send({ error: 'not_found', message: err.message });
      throw err;
    }
    const { rendered, error } = copy;
    if (!rendered) return reply.code(404).send({ error: 'not_found', message: error });
    return sendPreview(reply, rendered.html);
  });
}

const messageParams = z.object({ id: leadIdSchema, messageId: z.guid({ error: 'must be a message id' }) });

/** A sent message, re-rendered for its lead (or why it cannot be). */
async function renderedCopy(ctx: RouteDeps, raw: Record<string, string>) {
  const p = parseOrThrow(messageParams, raw);
  const m = await ctx.db.sentMessage.findFirst({ where: { id: p.messageId, leadId: p.id }, include: { lead: true } });
  if (!m) throw new NotFound(`no message ${p.messageId} for lead ${p.id}`);
  const discount = await ctx.db.discountCode.findUnique({
    where: { leadId_campaignId: { leadId: m.leadId, campaignId: m.campaignId } },
  });
  const state = templateState(ctx.config.templatesDir);
  let rendered: { subject: string; html: string; text: string } | null = null;
  let error: string | null = null;
  try {
    if (!state.catalog?.has(m.templateId)) throw new Error(state.catalogError ?? `template "${m.templateId}" no longer exists`);
    const sender = {
      name: /^(.*?)\s*</.exec(ctx.config.MAIL_FROM)?.[1] || 'Nurture',
      postalAddress: ctx.config.MAIL_POSTAL_ADDRESS,
    };
    const renderCtx = sampleRenderContext({
      publicUrl: ctx.config.PUBLIC_URL,
      sender,
      lead: leadSnapshotOf(m.lead),
    });
    renderCtx.campaign = { id: m.campaignId };
    if (discount)
      renderCtx.discount = { code: discount.code, percent: discount.percent, expiresAt: discount.expiresAt.toISOString() };
    rendered = state.catalog.render(m.templateId, renderCtx);
  } catch (err) {
    error = (err as Error).message;
  }
  return { m, rendered, error };
}

/** Score over time as an inline SVG step line. */
function sparkline(points: Array<{ at: string; score: number }>): Html {
  if (points.length === 0) return html`<p class="muted">No scored engagement yet.</p>`;
  const t0 = Date.parse(points[0]!.at);
  const t1 = Math.max(t0 + 1, Date.now());
  const max = Math.max(1, ...points.map((p) => p.score));
  const x = (at: string) => (((Date.parse(at) - t0) / (t1 - t0)) * 500 + 10).toFixed(1);
  const y = (s: number) => (80 - (s / max) * 58).toFixed(1);
  let d = `M10 80`;
  for (const p of points) d += ` H${x(p.at)} V${y(p.score)}`;
  d += ` H510`;
  return html`<svg class="spark" viewBox="0 0 520 90" role="img" aria-label="score over time, now ${points[points.length - 1]!.score}">
    ${raw(`<path d="${d}" fill="none" stroke="#3056d3" stroke-width="2"/>`)}
    <text x="12" y="14" font-size="11" fill="#667085">max ${max}</text></svg>`;
}
