// One handler, two answers: every dashboard page is also its own JSON (same path with
// `.json`, or `Accept: application/json`), built from the same data object, so other tools
// can draw their own charts from exactly what the page shows.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { html, page, type Html, type NAV } from './html.ts';
import { BadParams } from '../../reports/query.ts';
import { safeDashboardPath } from './redirect.ts';
import { nonceOf } from './security.ts';

export interface View {
  title: string;
  active?: (typeof NAV)[number][0];
  data: unknown;
  body: () => Html;
  script?: string;
  css?: string;
}

export class NotFound extends Error {}

/** Longest JSON a page parameter (a sample lead, an event script) may hold. */
const MAX_JSON_PARAM = 16_384;

/**
 * A JSON page parameter (`?lead=<json>`), validated; a bad value is shown next to the form with
 * the fallback used instead, never thrown.
 */
export function jsonParam<T>(
  name: string,
  raw: unknown,
  schema: z.ZodType<T>,
  fallback: T,
): { value: T; text: string; error: string | null } {
  if (typeof raw !== 'string' || !raw.trim()) return { value: fallback, text: JSON.stringify(fallback, null, 1), error: null };
  if (raw.length > MAX_JSON_PARAM)
    return { value: fallback, text: raw.slice(0, MAX_JSON_PARAM), error: `${name}: longer than ${MAX_JSON_PARAM / 1024} KB` };
  try {
    const r = schema.safeParse(JSON.parse(raw));
    if (r.success) return { value: r.data, text: raw, error: null };
    return {
      value: fallback,
      text: raw,
      error: `${name}: ${r.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`,
    };
  } catch (err) {
    return { value: fallback, text: raw, error: `${name}: not JSON (${(err as Error).message})` };
  }
}

export function wantsJson(req: FastifyRequest): boolean {
  if (req.url.split('?')[0]!.endsWith('.json')) return true;
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Route params with a trailing `.json` (the JSON twin of a page) stripped. */
export function params<T extends Record<string, string>>(req: FastifyRequest): T {
  return Object.fromEntries(Object.entries(req.params as T).map(([k, v]) => [k, v.replace(/\.json$/, '')])) as T;
}

function errorPage(req: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string, extra: object = {}) {
  if (wantsJson(req))
    return reply.code(status).send({ error: status === 404 ? 'not_found' : 'invalid_query', message, ...extra });
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      page({
        title,
        nonce: nonceOf(req),
        viewer: req.viewer?.name,
        body: html`<h1>${title}</h1><p class="flash error">${message}</p><p><a href="/dashboard">Back to the dashboard</a></p>`,
      }),
    );
}

/** Registers GET `path` (and `path.json` for paths without params) answering HTML or JSON. */
export function view(app: FastifyInstance, path: string, handler: (req: FastifyRequest) => Promise<View>): void {
  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    let v: View;
    try {
      v = await handler(req);
    } catch (err) {
      if (err instanceof BadParams) return errorPage(req, reply, 400, 'Invalid request', err.message, { issues: err.issues });
      if (err instanceof NotFound) return errorPage(req, reply, 404, 'Not found', err.message);
      throw err;
    }
    if (wantsJson(req)) return reply.send(v.data);
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        page({
          title: v.title,
          active: v.active,
          viewer: req.viewer?.name,
          body: v.body(),
          script: v.script,
          css: v.css,
          nonce: nonceOf(req),
        }),
      );
  };
  app.get(path, handle);
  if (!path.includes(':')) app.get(`${path}.json`, handle);
}

/**
 * After a form post: back to the page with a one-line message (303 so a reload does not
 * repost). `to` goes through the redirect rule (redirect.ts): anything but a dashboard path
 * becomes /dashboard.
 */
export function redirectWithFlash(reply: FastifyReply, to: string, message: string, kind: 'ok' | 'error' = 'ok') {
  const url = new URL(safeDashboardPath(to), 'http://dashboard.invalid');
  url.searchParams.set(kind === 'ok' ? 'done' : 'failed', message);
  return reply.code(303).header('location', `${url.pathname}${url.search}`).send();
}

export function flash(query: unknown): Html {
  const q = query as { done?: string; failed?: string };
  if (typeof q.done === 'string') return html`<p class="flash" role="status">${q.done}</p>`;
  if (typeof q.failed === 'string') return html`<p class="flash error" role="alert">${q.failed}</p>`;
  return html``;
}
