// The templates a worker sends from: read, linted and compiled once at start-up. A send only
// runs already-compiled functions; it never parses or compiles a template.
import type Handlebars from 'handlebars';
import type { EmailFrontMatter } from './frontMatter.ts';
import { finishEmail } from './finish.ts';
import { createTemplateEnvironment, knownHelpers, type TemplateData } from './helpers.ts';
import { lintTemplateSet, type LintOptions } from './lint.ts';
import { TemplateProblemsError } from './problem.ts';
import { readTemplateSet, type Fragment } from './sources.ts';
import { LEAD_FIELDS, type LeadField, type RenderContext, type RenderedEmail } from './types.ts';

type Compiled = Handlebars.TemplateDelegate<TemplateData>;

export interface Catalog {
  /** Absolute path of the templates directory. */
  readonly dir: string;
  /** Email template ids, sorted. */
  ids(): string[];
  has(id: string): boolean;
  /** The email's validated front matter, or undefined for an unknown id. */
  get(id: string): EmailFrontMatter | undefined;
  /** Renders one send. Throws for an unknown id or a helper failure (e.g. no discount issued). */
  render(id: string, ctx: RenderContext): RenderedEmail;
}

interface CompiledEmail {
  frontMatter: EmailFrontMatter;
  subject: Compiled;
  preheader: Compiled;
  body: Compiled;
  layout: Compiled;
}

/**
 * Loads every template under `templatesDir`. Throws TemplateProblemsError unless lint is clean
 * (pass `campaignRefs` so a campaign naming a missing template also stops the load).
 */
export function loadCatalog(templatesDir: string, opts: LintOptions = {}): Catalog {
  const set = readTemplateSet(templatesDir);
  const problems = lintTemplateSet(set, opts);
  if (problems.length) throw new TemplateProblemsError(problems);

  const env = createTemplateEnvironment();
  const compile = (fragment: Fragment, plainText = false): Compiled => {
    // precompile + template is Handlebars' own ahead-of-time path; compile() would defer the
    // work to the first send and surface compiler errors there.
    const spec = env.precompile(fragment.ast!, {
      knownHelpers: knownHelpers(),
      knownHelpersOnly: true,
      // Subject and preheader are plain text: HTML-escaping them would put &amp; in inboxes.
      // Both are escaped where a layout puts them into HTML.
      noEscape: plainText,
    });
    return env.template(new Function(`return ${String(spec)}`)());
  };

  for (const partial of set.partials.values()) env.registerPartial(partial.name, compile(partial.body));
  const layouts = new Map([...set.layouts.values()].map((l) => [l.name, compile(l.body)]));
  const emails = new Map<string, CompiledEmail>();
  for (const email of set.emails.values()) {
    const fm = email.frontMatter!;
    emails.set(email.name, {
      frontMatter: fm,
      subject: compile(email.subject!, true),
      preheader: compile(email.preheader!, true),
      body: compile(email.body),
      layout: layouts.get(fm.layout)!,
    });
  }

  return {
    dir: set.dir,
    ids: () => [...emails.keys()].sort(),
    has: (id) => emails.has(id),
    get: (id) => emails.get(id)?.frontMatter,
    render(id, ctx) {
      const email = emails.get(id);
      if (!email) throw new TemplateUnavailableError(id, 'unknown', `unknown email template "${id}"`);
      try {
        return renderEmail(id, email, ctx);
      } catch (err) {
        throw new TemplateUnavailableError(id, 'render', `rendering template "${id}": ${(err as Error).message}`, err);
      }
    },
  };
}

/**
 * A template this catalog cannot turn into an email: no such id, or rendering failed (a
 * helper refused this lead's data). Retrying the same send with the same catalog fails alike.
 */
export class TemplateUnavailableError extends Error {
  constructor(
    readonly templateId: string,
    readonly problem: 'unknown' | 'render',
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TemplateUnavailableError';
  }
}

function renderEmail(id: string, email: CompiledEmail, ctx: RenderContext): RenderedEmail {
  const data: TemplateData = {
    ...ctx,
    lead: withFallbacks(ctx.lead, email.frontMatter),
    publicUrl: ctx.publicUrl.replace(/\/+$/, ''),
  };
  // Lead data can contain line breaks; a subject header must not.
  const subject = `${ctx.testMarker ? '[TEST] ' : ''}${oneLine(email.subject(data))}`;
  const preheader = oneLine(email.preheader(data));
  const withHeadline = { ...data, subject, preheader };
  const html = email.layout({ ...withHeadline, body: email.body(withHeadline) });
  const finished = finishEmail(html, { openPixel: ctx.links.openPixel, testMarker: ctx.testMarker });
  return { subject, preheader, html: finished.html, text: finished.text, kind: email.frontMatter.kind, templateId: id };
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

function withFallbacks(lead: RenderContext['lead'], fm: EmailFrontMatter): RenderContext['lead'] {
  const out = { ...lead, properties: { ...lead.properties } };
  for (const [key, value] of Object.entries(fm.fallbacks)) {
    if ((LEAD_FIELDS as readonly string[]).includes(key)) {
      if (blank(out[key as LeadField])) out[key as Exclude<LeadField, 'email'>] = String(value);
    } else if (blank(out.properties[key])) {
      out.properties[key] = value;
    }
  }
  return out;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
