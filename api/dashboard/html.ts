// Server-rendered HTML without a template engine: an `html` tagged template that escapes
// every interpolated value unless it is already Html, and the page layout. Lead data (names,
// subjects, event payloads) comes from the outside world, so escaping is the default.
import type { CampaignChoice } from '../../reports/campaigns.ts';
import { STYLE } from './style.ts';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

/** Trusted markup (built here, never from input). */
export const raw = (s: string) => new Html(s);

export const NAV = [
  ['funnel', 'Funnel'],
  ['stalled', 'Stalled leads'],
  ['engagement', 'Engagement'],
  ['templates', 'Templates'],
  ['campaigns', 'Campaigns'],
] as const;

export interface PageOptions {
  title: string;
  active?: (typeof NAV)[number][0];
  viewer?: string;
  body: Html;
  /** Small inline script for this page (our own code, no CDN). */
  script?: string;
  /** Extra CSS for this page (built here, never from input), e.g. computed bar widths. */
  css?: string;
  /** This response's CSP nonce (api/dashboard/security.ts): only tags carrying it run. */
  nonce: string;
}

export function page(opts: PageOptions): string {
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · Nurture</title>
<style nonce="${opts.nonce}">${raw(STYLE)}${raw(opts.css ?? '')}</style></head>
<body><header class="top"><a class="brand" href="/dashboard">Nurture</a>
<nav>${NAV.map(([key, label]) => html`<a href="/dashboard/${key}"${raw(opts.active === key ? ' aria-current="page"' : '')}>${label}</a>`)}</nav>
${opts.viewer ? html`<form method="post" action="/dashboard/logout" class="who"><span>${opts.viewer}</span> <button>Sign out</button></form>` : ''}
</header>
<main>${opts.body}</main>
${opts.script ? html`<script nonce="${opts.nonce}">${raw(opts.script)}</script>` : ''}
</body></html>`}`;
}

const TZ_FORMAT = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});

/** `06 Jan 2025, 09:00 UTC`. */
export const formatInstant = (d: Date | string) => `${TZ_FORMAT.format(typeof d === 'string' ? new Date(d) : d)} UTC`;

/** `06 Jan 2025, 09:00 UTC`, inside a <time> so scripts and tests can read the exact instant. */
export function when(d: Date | string | null | undefined): Html {
  if (!d) return html`<span class="muted">–</span>`;
  const date = typeof d === 'string' ? new Date(d) : d;
  return html`<time datetime="${date.toISOString()}">${TZ_FORMAT.format(date)} UTC</time>`;
}

export function leadName(l: { email: string; firstName?: string | null; lastName?: string | null }): string {
  const name = [l.firstName, l.lastName].filter(Boolean).join(' ');
  return name ? `${name} <${l.email}>` : l.email;
}

const NUMBER = new Intl.NumberFormat('en-US');
/** 74,793: counts read at a glance. */
export const n = (x: number) => NUMBER.format(x);

/** Query string from the defined entries, for links that keep the current filters. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const entries = Object.entries(params).filter(
    (e): e is [string, string | number] => e[1] !== undefined && e[1] !== null && e[1] !== '',
  );
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
}

/** The campaign filter of a page. */
export function campaignSelect(choices: CampaignChoice[], selected: string | undefined, opts: { any?: boolean } = {}): Html {
  const ids = choices.map((c) => c.id);
  const all = selected && !ids.includes(selected) ? [...choices, { id: selected, name: selected, hasFile: false }] : choices;
  return html`<label>Campaign<select name="campaign">
    ${opts.any ? html`<option value="">All campaigns</option>` : ''}
    ${all.map((c) => html`<option value="${c.id}"${raw(c.id === selected ? ' selected' : '')}>${c.name === c.id ? c.id : `${c.name} (${c.id})`}</option>`)}
  </select></label>`;
}
