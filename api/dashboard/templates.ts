// The template gallery: every email by kind and stage, rendered for an editable sample lead,
// HTML and text side by side, with its lint problems shown where the preview would be.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { sampleLeadSchema, type SampleLead } from '../../core/lead.ts';
import { SAMPLE_LEAD, sampleRenderContext, type RenderedEmail } from '../../email/index.ts';
import type { Config } from '../../config/index.ts';
import { problemLine, templateState, type TemplateEntry, type TemplateState } from './catalog.ts';
import { html, qs, type Html } from './html.ts';
import { sendPreview } from './preview.ts';
import { jsonParam, NotFound, params, view } from './view.ts';
import type { RouteDeps } from '../deps.ts';

/** The sample lead from `?lead=<json>`, or the default one; a bad value is shown, not thrown. */
function sampleLead(raw: unknown): { lead: SampleLead; text: string; error: string | null } {
  const { value, text, error } = jsonParam('lead', raw, sampleLeadSchema.required({ email: true }), SAMPLE_LEAD as SampleLead);
  return { lead: value, text, error };
}

type Preview = { ok: true; rendered: RenderedEmail } | { ok: false; error: string };

function preview(state: TemplateState, e: TemplateEntry, lead: SampleLead, config: Config): Preview {
  if (e.problems.length) return { ok: false, error: 'fix the problems above to see a preview' };
  if (!state.catalog?.has(e.id)) return { ok: false, error: state.catalogError ?? 'not renderable' };
  try {
    const sender = { name: /^(.*?)\s*</.exec(config.MAIL_FROM)?.[1] || 'Nurture', postalAddress: config.MAIL_POSTAL_ADDRESS };
    return {
      ok: true,
      rendered: state.catalog.render(e.id, sampleRenderContext({ publicUrl: config.PUBLIC_URL, sender, lead })),
    };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

const filterSchema = z.object({
  kind: z.string().max(50).optional(),
  stage: z.string().max(100).optional(),
  lead: z.string().optional(),
});

export function templatePages(app: FastifyInstance, ctx: RouteDeps): void {
  view(app, '/dashboard/templates', async (req) => {
    const f = filterSchema.parse(req.query);
    const state = templateState(ctx.config.templatesDir);
    const sample = sampleLead(f.lead);
    const shown = state.emails.filter(
      (e) => (!f.kind || e.frontMatter?.kind === f.kind) && (!f.stage || e.frontMatter?.stages.includes(f.stage)),
    );
    const items = shown.map((e) => ({ entry: e, preview: preview(state, e, sample.lead, ctx.config) }));
    // Group by kind; a template without valid front matter has no kind yet.
    const kinds = [...new Set(items.map((i) => i.entry.frontMatter?.kind ?? '(invalid front matter)'))].sort();
    const allStages = [...new Set(state.emails.flatMap((e) => e.frontMatter?.stages ?? []))].sort();
    return {
      title: 'Templates',
      active: 'templates',
      data: {
        dir: state.dir,
        sampleLead: sample.lead,
        sampleLeadError: sample.error,
        shared: state.shared.map((p) => ({ ...p, text: problemLine(state.dir, p) })),
        templates: items.map(({ entry, preview: p }) => templateJson(state, entry, p)),
      },
      body: () => html`
        <h1>Templates <span class="muted">· ${state.emails.length} emails in ${state.dir}</span></h1>
        ${problemList(state, state.shared, 'Shared problems (layouts, partials)')}
        <form class="card" method="get">
          <div class="filters">
            <label>Kind<select name="kind"><option value="">any</option>${[
              ...new Set(state.emails.map((e) => e.frontMatter?.kind).filter(Boolean)),
            ]
              .sort()
              .map((k) => html`<option${k === f.kind ? html` selected` : ''}>${k}</option>`)}</select></label>
            <label>Stage<select name="stage"><option value="">any</option>${allStages.map((s) => html`<option${s === f.stage ? html` selected` : ''}>${s}</option>`)}</select></label>
          </div>
          <label>Sample lead (JSON)<textarea name="lead" rows="7" spellcheck="false">${sample.text}</textarea></label>
          ${sample.error ? html`<p class="problems" role="alert">${sample.error}</p>` : ''}
          <p><button>Render</button></p>
        </form>
        ${kinds.map(
          (kind) =>
            html`<h2>${kind}</h2>${items
              .filter((i) => (i.entry.frontMatter?.kind ?? '(invalid front matter)') === kind)
              .map(({ entry, preview: p }) => card(state, entry, p, f.lead))}`,
        )}`,
    };
  });

  view(app, '/dashboard/templates/:id', async (req) => {
    const { id } = params<{ id: string }>(req);
    const state = templateState(ctx.config.templatesDir);
    const entry = state.emails.find((e) => e.id === id);
    if (!entry) throw new NotFound(`no email template "${id}" in ${state.dir}`);
    const sampleParam = (req.query as { lead?: unknown }).lead;
    const sample = sampleLead(sampleParam);
    const p = preview(state, entry, sample.lead, ctx.config);
    return {
      title: `Template ${id}`,
      active: 'templates',
      data: { ...templateJson(state, entry, p), sampleLead: sample.lead, sampleLeadError: sample.error },
      body: () => html`
        <h1>${id} <span class="muted">· ${entry.frontMatter?.kind ?? 'invalid'}</span></h1>
        <form class="card" method="get"><label>Sample lead (JSON)<textarea name="lead" rows="8" spellcheck="false">${sample.text}</textarea></label>
          ${sample.error ? html`<p class="problems" role="alert">${sample.error}</p>` : ''}<p><button>Render</button></p></form>
        ${card(state, entry, p, typeof sampleParam === 'string' ? sampleParam : undefined, true)}`,
    };
  });

  // The email alone, for the preview frame (preview.ts says why it is a document of its own).
  app.get('/dashboard/templates/:id/preview', async (req, reply) => {
    const { id } = req.params as { id: string };
    const state = templateState(ctx.config.templatesDir);
    const entry = state.emails.find((e) => e.id === id);
    const p = entry ? preview(state, entry, sampleLead((req.query as { lead?: unknown }).lead).lead, ctx.config) : undefined;
    if (!p?.ok)
      return reply.code(404).send({ error: 'not_found', message: p ? p.error : `no email template "${id}" in ${state.dir}` });
    return sendPreview(reply, p.rendered.html);
  });
}

function templateJson(state: TemplateState, e: TemplateEntry, p: Preview) {
  return {
    id: e.id,
    kind: e.frontMatter?.kind ?? null,
    stages: e.frontMatter?.stages ?? [],
    problems: e.problems.map((x) => ({ ...x, text: problemLine(state.dir, x) })),
    preview: p.ok
      ? { subject: p.rendered.subject, preheader: p.rendered.preheader, html: p.rendered.html, text: p.rendered.text }
      : null,
    previewError: p.ok ? null : p.error,
  };
}

function problemList(state: TemplateState, problems: TemplateEntry['problems'], title: string): Html {
  if (!problems.length) return html``;
  return html`<div class="problems" role="alert"><b>${title}</b><ul>${problems.map((p) => html`<li>${problemLine(state.dir, p)}</li>`)}</ul></div>`;
}

function card(state: TemplateState, e: TemplateEntry, p: Preview, lead: string | undefined, big = false): Html {
  return html`<article class="card template${big ? ' big' : ''}" data-template="${e.id}" id="t-${e.id}">
    <h3><a href="/dashboard/templates/${e.id}${qs({ lead })}">${e.id}</a>
      ${(e.frontMatter?.stages ?? []).map((s) => html`<span class="tag">${s}</span>`)}</h3>
    ${problemList(state, e.problems, 'Lint problems')}
    ${
      p.ok
        ? html`<p><b>Subject:</b> <span data-subject>${p.rendered.subject}</span><br><span class="muted">${p.rendered.preheader}</span></p>
        <div class="two">
          <iframe class="preview" title="HTML preview of ${e.id}" sandbox="" src="/dashboard/templates/${e.id}/preview${qs({ lead })}"></iframe>
          <pre data-text>${p.rendered.text}</pre>
        </div>`
        : html`<p class="muted" data-preview-error>${p.error}</p>`
    }
  </article>`;
}
