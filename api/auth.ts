// Admin authentication for the JSON API and the dashboard: a bearer token from ADMIN_TOKENS
// (several may be valid at once, for rotation). Use it as an onRequest hook inside an
// encapsulated plugin so every route registered there is protected:
//
//   await app.register(async (admin) => {
//     admin.addHook('onRequest', requireAdmin({ tokens: config.ADMIN_TOKENS }));
//     admin.get('/api/funnel', handler);
//   });
//
// or per route: `app.get(url, { onRequest: requireAdmin({ tokens }) }, handler)`.
// Browser pages cannot send an Authorization header on navigation: pass `cookieName` to also
// accept the token from that cookie (the page that sets it is the dashboard's business).
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { sendError } from './errors.ts';

export interface AdminAuthOptions {
  tokens: readonly string[];
  /** Also accept the token from this cookie (for dashboard pages). */
  cookieName?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireAdmin: a short, non-secret fingerprint of the token used (for audit, e.g. stage_changes.actor). */
    adminTokenId?: string;
  }
}

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

/** Constant-time membership: every configured token is compared, whatever matches. */
export function matchAdminToken(tokens: readonly string[], candidate: string): string | undefined {
  const given = digest(candidate);
  let match: string | undefined;
  for (const t of tokens) {
    if (crypto.timingSafeEqual(digest(t), given)) match = t;
  }
  return match;
}

/** The token from `Authorization: Bearer <token>` (scheme case-insensitive). */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return m?.[1];
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** A short fingerprint naming which token was used, safe to log. */
export function tokenId(token: string): string {
  return `admin:${digest(token).toString('hex').slice(0, 8)}`;
}

export function requireAdmin(opts: AdminAuthOptions): onRequestHookHandler {
  return function adminAuth(req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
    const candidate =
      bearerToken(req.headers.authorization) ?? (opts.cookieName ? cookieValue(req.headers.cookie, opts.cookieName) : undefined);
    const match = candidate ? matchAdminToken(opts.tokens, candidate) : undefined;
    if (!match) {
      void reply.header('www-authenticate', 'Bearer realm="nurture"');
      void sendError(
        reply,
        401,
        'unauthorized',
        candidate ? 'the admin token is not valid' : 'an admin bearer token is required (Authorization: Bearer <token>)',
      );
      return;
    }
    req.adminTokenId = tokenId(match);
    done();
  };
}
