// Campaigns: the list, and one campaign's stages and steps drawn as a flow next to the
// simulator's timeline for a sample lead and event script (the same simulate() as
// `nurture campaign simulate`, so what a marketer sees here is what the journey does).
import type { FastifyInstance } from 'fastify';
import { formatErrors } from '../../core/campaign/load.ts';
import { formatDuration } from '../../core/campaign/duration.ts';
import type { Campaign } from '../../core/campaign/schema.ts';
import type { Step } from '../../core/campaign/types.ts';
import { describeStep } from '../../core/journey/query.ts';
import { sampleLeadSchema, type SampleLead } from '../../core/lead.ts';
import {
  formatTimeline,
  scriptedEventsSchema,
  simulate,
  type ScriptedEvent,
  type Timeline,
} from '../../core/journey/simulate.ts';
import { listCampaigns } from '../../reports/campaigns.ts';
import { html, qs, type Html } from './html.ts';
import { jsonParam, NotFound, params, view } from './view.ts';
import type { RouteDeps } from '../deps.ts';

const DEFAULT_LEAD: SampleLead = { email: 'ada@example.com', firstName: 'Ada', timezone: 'Europe/London' };
const DEFAULT_EVENTS: ScriptedEvent[] = [
  { at: '+1d', type: 'open' },
  { at: '+1d1h', type: 'click' },
];

export function campaignPages(app: FastifyInstance, ctx: RouteDeps): void {
  view(app, '/dashboard/campaigns', async () => {
    const [choices, scan] = [await listCampaigns(ctx), ctx.campaigns.scan()];
    const errors = formatErrors(scan.errors);
    return {
      title: 'Campaigns',
      active: 'campaigns',
      data: { campaigns: choices, errors },
      body: () => html`<h1>Campaigns</h1>
        ${errors.length ? html`<div class="problems" role="alert"><b>Invalid campaign files</b><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
        <div class="scroll"><table><thead><tr><th>Campaign</th><th>Name</th><th></th></tr></thead><tbody>${choices.map(
          (
            c,
          ) => html`<tr><td>${c.hasFile ? html`<a href="/dashboard/campaigns/${c.id}">${c.id}</a>` : c.id}</td><td>${c.name}${c.hasFile ? '' : html` <span class="tag">no file</span>`}</td>
            <td><a href="/dashboard/funnel${qs({ campaign: c.id })}">funnel</a> · <a href="/dashboard/engagement${qs({ campaign: c.id })}">engagement</a></td></tr>`,
        )}</tbody></table></div>`,
    };
  });

  view(app, '/dashboard/campaigns/:id', async (req) => {
    const { id } = params<{ id: string }>(req);
    const parsed = ctx.campaigns.get(id);
    if (!parsed) throw new NotFound(`no campaign file declares campaign "${id}"`);
    const c = parsed.campaign;
    const q = req.query as { lead?: unknown; events?: unknown; days?: unknown };
    const lead = jsonParam('lead', q.lead, sampleLeadSchema, DEFAULT_LEAD);
    const events = jsonParam('events', q.events, scriptedEventsSchema.max(500), DEFAULT_EVENTS);
    const days = Math.min(365, Math.max(1, Number(q.days) || 60));
    let timeline: Timeline | null = null;
    let simError = lead.error ?? events.error;
    if (!simError) {
      try {
        timeline = await simulate(c, lead.value, events.value, { days, includeEvents: true });
      } catch (err) {
        simError = (err as Error).message;
      }
    }
    return {
      title: `Campaign ${id}`,
      active: 'campaigns',
      data: {
        campaign: c,
        version: parsed.version,
        file: parsed.file,
        simulation: { lead: lead.value, events: events.value, days, timeline, error: simError },
      },
      body: () => html`
        <h1>${c.name} <span class="muted">· ${c.id}</span></h1>
        ${c.description ? html`<p>${c.description}</p>` : ''}
        <p class="muted">Version ${parsed.version.slice(0, 12)} · ${parsed.file} · <a href="/dashboard/funnel${qs({ campaign: c.id })}">funnel</a></p>
        <h2>Flow</h2>${flow(c)}
        <h2>Simulator</h2>
        <form class="card" method="get">
          <div class="two"><label>Sample lead (JSON)<textarea name="lead" rows="6" spellcheck="false">${lead.text}</textarea></label>
          <label>Event script (JSON: at is +2d, +1d4h or an ISO time)<textarea name="events" rows="6" spellcheck="false">${events.text}</textarea></label></div>
          <div class="filters"><label>Days<input type="number" name="days" min="1" max="365" value="${days}"></label><button>Simulate</button></div>
        </form>
        ${simError ? html`<p class="problems" role="alert">${simError}</p>` : ''}
        ${timeline ? timelineTable(timeline) : ''}`,
    };
  });
}

function flow(c: Campaign): Html {
  const names = Object.keys(c.stages);
  return html`<div class="flow">${names.map(
    (name, i) => html`${i > 0 ? html`<div class="arrow" aria-hidden="true">→</div>` : ''}
      <section class="stage" data-stage="${name}"><b>${name}</b>
        ${c.stages[name]!.description ? html`<div class="muted">${c.stages[name]!.description}</div>` : ''}
        ${steps(c.stages[name]!.steps)}
        ${c.stages[name]!.stall ? stall(c.stages[name]!.stall!) : ''}
      </section>`,
  )}</div>
  ${
    c.goals.length
      ? html`<p><b>Goals</b> (from any stage): ${c.goals.map((g) => html`<span class="tag">on ${g.on.join(' or ')} → ${g.goto}${g.at ? ` at ${g.at}` : ''}</span>`)}</p>`
      : ''
  }
  <p><b>Exits:</b> ${c.exitOn.map((e) => html`<span class="tag bad">${e.on.join(' or ')}${e.where ? ` ${JSON.stringify(e.where)}` : ''}</span>`)}
    ${c.scoring.qualification ? html` · <b>Qualified</b> at score ${c.scoring.qualification.threshold}${c.scoring.qualification.stage ? ` → ${c.scoring.qualification.stage}` : ''}` : ''}</p>`;
}

function steps(list: Step[]): Html {
  if (!list.length) return html``;
  return html`<ol>${list.map((s) => html`<li>${describeStep(s)}${s.id ? html` <span class="tag">#${s.id}</span>` : ''}${branches(s)}</li>`)}</ol>`;
}

function branches(s: Step): Html {
  if (s.kind === 'waitFor') {
    return html`${s.then.length ? html`<div class="muted">then:</div>${steps(s.then)}` : ''}${s.otherwise.length ? html`<div class="muted">otherwise:</div>${steps(s.otherwise)}` : ''}`;
  }
  if (s.kind === 'if')
    return html`<div class="muted">then:</div>${steps(s.then)}${s.else.length ? html`<div class="muted">else:</div>${steps(s.else)}` : ''}`;
  return html``;
}

function stall(rule: NonNullable<Campaign['stages'][string]['stall']>): Html {
  return html`<div class="muted">Stall after ${formatDuration(rule.after)}${rule.notify ? `, notify ${rule.notify.email ?? rule.notify.webhook}` : ''}${rule.dormantAfter ? `, dormant ${formatDuration(rule.dormantAfter)} later` : ''}</div>
    ${rule.reengage?.length ? html`<div class="muted">re-engage:</div>${steps(rule.reengage)}` : ''}`;
}

function timelineTable(t: Timeline): Html {
  return html`<div class="scroll"><table class="timeline-table"><thead><tr><th>When</th><th>Stage</th><th>What</th><th>Detail</th></tr></thead><tbody>${t.entries.map(
    (e) =>
      html`<tr data-kind="${e.kind}"><td>${e.at.replace('T', ' ').slice(0, 16)}</td><td>${e.stage ?? ''}</td><td>${e.kind}</td><td>${e.detail}</td></tr>`,
  )}</tbody></table></div>
  <p><b>Result:</b> ${t.result.kind}: ${t.result.reason}</p>
  <details><summary>As printed by <code>nurture campaign simulate</code></summary><pre>${formatTimeline(t)}</pre></details>`;
}
