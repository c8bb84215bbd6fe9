// The helpers marketers may call. They read the send's data from `options.data.root`, so one
// isolated Handlebars environment (never the global one, which any other module could change)
// serves every send without per-send registration.
import Handlebars from 'handlebars';
import type { RenderContext } from './types.ts';

/** What templates are rendered with: the RenderContext after fallbacks are applied. */
export type TemplateData = RenderContext & { subject?: string; preheader?: string; body?: string };

export interface HelperSignature {
  min: number;
  max: number;
  block: boolean;
}

const inline = (min: number, max = min): HelperSignature => ({ min, max, block: false });
const block = (min: number, max = min): HelperSignature => ({ min, max, block: true });

/** Handlebars built-ins marketers may use; `log` and the *Missing hooks are not for templates. */
export const BUILTIN_HELPERS: Record<string, HelperSignature> = {
  if: block(1),
  unless: block(1),
  each: block(1),
  with: block(1),
  lookup: inline(2),
};

export const EMAIL_HELPERS: Record<string, HelperSignature> = {
  formatDate: inline(1, 2),
  money: inline(2),
  discountCode: inline(0),
  discountPercent: inline(0),
  discountExpiry: inline(0, 1),
  trackedLink: inline(1),
  unsubscribeUrl: inline(0),
  preferencesUrl: inline(0),
  fallback: inline(2),
};

export const DATE_FORMATS = ['short', 'medium', 'long', 'full', 'datetime', 'time'] as const;
type DateFormat = (typeof DATE_FORMATS)[number];
const DATE_OPTIONS: Record<DateFormat, Intl.DateTimeFormatOptions> = {
  short: { dateStyle: 'short' },
  medium: { dateStyle: 'medium' },
  long: { dateStyle: 'long' },
  full: { dateStyle: 'full' },
  datetime: { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' },
  time: { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' },
};
const LOCALE = 'en-US';

// Intl formatters are costly to build and a campaign sends the same few formats many times.
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = make()));
  return f as T;
}

/** A lead's time zone comes from a signup form; an unknown one falls back to UTC, not a failed send. */
export function safeTimeZone(tz: string | undefined): string {
  if (!tz) return 'UTC';
  try {
    cached(`tz:${tz}`, () => new Intl.DateTimeFormat(LOCALE, { timeZone: tz }));
    return tz;
  } catch {
    return 'UTC';
  }
}

export function formatDate(value: unknown, format: string, timeZone: string | undefined): string {
  if (value === undefined || value === null || value === '') return '';
  if (!(DATE_FORMATS as readonly string[]).includes(format)) {
    throw new Error(`formatDate: unknown format "${format}" (use one of ${DATE_FORMATS.join(', ')})`);
  }
  const date = value instanceof Date ? value : new Date(value as string | number);
  if (Number.isNaN(date.getTime())) throw new Error(`formatDate: ${JSON.stringify(value)} is not a date`);
  const tz = safeTimeZone(timeZone);
  const f = cached(
    `date:${format}:${tz}`,
    () => new Intl.DateTimeFormat(LOCALE, { ...DATE_OPTIONS[format as DateFormat], timeZone: tz }),
  );
  return f.format(date);
}

export function formatMoney(amount: unknown, currency: unknown): string {
  const n = typeof amount === 'string' && amount.trim() !== '' ? Number(amount) : amount;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`money: ${JSON.stringify(amount)} is not an amount`);
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
    throw new Error(`money: ${JSON.stringify(currency)} is not an ISO 4217 currency code`);
  }
  const code = currency.toUpperCase();
  return cached(`money:${code}`, () => new Intl.NumberFormat(LOCALE, { style: 'currency', currency: code })).format(n);
}

/**
 * Links in mail must be https, or under the configured public URL (which may be http in
 * development). A path starting with `/` is taken relative to the public URL. Throws otherwise.
 */
export function resolveLinkUrl(url: string, publicUrl: string): string {
  const base = new URL(publicUrl);
  const resolved = url.startsWith('/') && !url.startsWith('//') ? new URL(url, base) : tryUrl(url);
  if (!resolved) throw new Error(`link "${url}" is not an absolute URL`);
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const underPublicUrl =
    resolved.origin === base.origin && (`${resolved.pathname}/`.startsWith(basePath) || resolved.pathname === base.pathname);
  if (resolved.protocol !== 'https:' && !underPublicUrl) {
    throw new Error(`link "${url}" must be https or under the public URL ${publicUrl}`);
  }
  return url.startsWith('/') ? resolved.href : url;
}

function tryUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

type Options = Handlebars.HelperOptions & { data: { root: TemplateData } };

/** Splits Handlebars' trailing options argument off the positional ones. */
function call(fn: (root: TemplateData, ...params: unknown[]) => unknown): Handlebars.HelperDelegate {
  return (...args: unknown[]) => {
    const options = args.pop() as Options;
    return fn(options.data.root, ...args);
  };
}

function discountOf(root: TemplateData, helper: string): NonNullable<TemplateData['discount']> {
  if (!root.discount) throw new Error(`${helper}: this send has no discount; the campaign step must issue one`);
  return root.discount;
}

const implementations: Record<keyof typeof EMAIL_HELPERS, Handlebars.HelperDelegate> = {
  formatDate: call((root, date, format) => formatDate(date, typeof format === 'string' ? format : 'long', root.lead.timezone)),
  money: call((_root, amount, currency) => formatMoney(amount, currency)),
  discountCode: call((root) => discountOf(root, 'discountCode').code),
  discountPercent: call((root) => String(discountOf(root, 'discountPercent').percent)),
  discountExpiry: call((root, format) =>
    formatDate(discountOf(root, 'discountExpiry').expiresAt, typeof format === 'string' ? format : 'long', root.lead.timezone),
  ),
  trackedLink: call((root, url) => {
    if (typeof url !== 'string' || url === '') throw new Error(`trackedLink: ${JSON.stringify(url)} is not a URL`);
    const resolved = resolveLinkUrl(url, root.publicUrl);
    return root.track ? root.track(resolved) : resolved;
  }),
  unsubscribeUrl: call((root) => root.links.unsubscribe),
  preferencesUrl: call((root) => root.links.preferences),
  fallback: call((_root, value, otherwise) =>
    value === undefined || value === null || (typeof value === 'string' && value.trim() === '') ? otherwise : value,
  ),
};

/** A fresh Handlebars environment with only the email helpers registered. */
export function createTemplateEnvironment(): typeof Handlebars {
  const env = Handlebars.create();
  env.unregisterHelper('log');
  for (const [name, fn] of Object.entries(implementations)) env.registerHelper(name, fn);
  return env;
}

/** Names for the compiler's knownHelpers, so an unknown helper fails compilation, not a send. */
export function knownHelpers(): Record<string, boolean> {
  return Object.fromEntries([...Object.keys(BUILTIN_HELPERS), ...Object.keys(EMAIL_HELPERS)].map((n) => [n, true]));
}
