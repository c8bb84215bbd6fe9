// What every response under /dashboard carries, and which state-changing requests it accepts.
// Registered once on the root server (api/server.ts) so 404s and errors under the prefix get it
// too, and before any route runs:
//
// - Content-Security-Policy with a fresh nonce per response: the page's own inline <style> and
//   <script> carry it (page() in html.ts), nothing else runs or styles; no 'unsafe-inline',
//   nothing from another origin, frame-ancestors 'none'. X-Frame-Options: DENY for browsers
//   without CSP 3, X-Content-Type-Options: nosniff, Referrer-Policy: same-origin (not
//   no-referrer: with no-referrer a browser sends `Origin: null` on our own form posts, which
//   the cross-site check below must refuse).
// - Cross-site check on POST/PUT/PATCH/DELETE (login and logout included): refused with 403
//   when `Sec-Fetch-Site` says anything but same-origin, or when `Origin` names another origin
//   (or is `null`). A request with neither header is a non-browser client (curl, a script
//   holding an admin token) and is let through to authentication. See crossSiteReason().
//
// Email previews are separate documents (preview.ts) that replace the policy with their own.
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The CSP nonce of this response (dashboard paths only). */
    cspNonce?: string;
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Paths this module guards: the dashboard and everything under it. */
export function isDashboardPath(url: string): boolean {
  const path = url.split('?')[0]!;
  return path === '/dashboard' || path.startsWith('/dashboard/') || path.startsWith('/dashboard.');
}

export function dashboardCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    // The email previews: our own documents (sandboxed, see preview.ts).
    "frame-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface RequestOrigin {
  method: string;
  secFetchSite?: string | undefined;
  origin?: string | undefined;
  host?: string | undefined;
}

/**
 * Why a request must be refused as cross-site, or undefined to let it through. Only
 * state-changing methods are checked. `publicOrigin` is the origin of PUBLIC_URL; an `Origin`
 * is ours when it equals that or names the host the request was sent to (`Host`).
 */
export function crossSiteReason(req: RequestOrigin, publicOrigin: string): string | undefined {
  if (!STATE_CHANGING.has(req.method.toUpperCase())) return undefined;
  const site = req.secFetchSite?.trim().toLowerCase();
  if (site !== undefined && site !== 'same-origin') return `Sec-Fetch-Site is "${site}"`;
  if (req.origin === undefined) return undefined;
  const origin = req.origin.trim();
  if (origin === 'null') return 'Origin is "null"';
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `Origin "${origin}" is not an origin`;
  }
  if (parsed.origin === publicOrigin) return undefined;
  if (req.host && parsed.host === req.host.toLowerCase() && /^https?:$/.test(parsed.protocol)) return undefined;
  return `Origin ${parsed.origin} is not this dashboard's`;
}

export function dashboardGuard(publicUrl: string): onRequestHookHandler {
  const publicOrigin = new URL(publicUrl).origin;
  return function guardDashboard(req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
    if (!isDashboardPath(req.url)) return done();
    const nonce = crypto.randomBytes(16).toString('base64');
    req.cspNonce = nonce;
    void reply.headers({
      'content-security-policy': dashboardCsp(nonce),
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    });
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(',') : v;
    };
    const reason = crossSiteReason(
      { method: req.method, secFetchSite: header('sec-fetch-site'), origin: header('origin'), host: header('host') },
      publicOrigin,
    );
    if (reason) {
      void reply.code(403).send({
        error: 'cross_site_request',
        message: `${req.method} ${req.url.split('?')[0]} refused: ${reason}. The dashboard accepts changes only from its own pages (or from clients that send neither Origin nor Sec-Fetch-Site, with an admin token).`,
      });
      return;
    }
    done();
  };
}

/** The nonce page() must put on its inline tags; the guard must have run. */
export function nonceOf(req: FastifyRequest): string {
  if (!req.cspNonce) throw new Error('no CSP nonce: register dashboardGuard() on the server (api/server.ts)');
  return req.cspNonce;
}
