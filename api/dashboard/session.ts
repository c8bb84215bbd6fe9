// Who is looking at the dashboard. Browsers cannot send a bearer header on navigation, so
// /dashboard/login trades an admin token (checked with api/auth.ts, constant-time) for a
// session cookie: HttpOnly, SameSite=Strict, signed with the token itself. Removing a token
// from ADMIN_TOKENS therefore ends its sessions too, and the cookie never carries the token.
// The name typed at login is what stage changes and notifications record as the actor.
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, cookieValue, matchAdminToken, tokenId } from '../auth.ts';

export const SESSION_COOKIE = 'nurture_session';
export const SESSION_HOURS = 12;

export interface Viewer {
  /** Name given at login, or the token fingerprint for bearer calls. */
  name: string;
  tokenId: string;
  via: 'session' | 'bearer';
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer?: Viewer;
  }
}

interface SessionBody {
  n: string;
  t: string;
  e: number; // expiry, ms since epoch
}

const mac = (token: string, body: string) =>
  crypto.createHmac('sha256', token).update(`nurture-session.${body}`).digest('base64url');

export function signSession(token: string, name: string, now = Date.now()): string {
  const body = Buffer.from(
    JSON.stringify({ n: name, t: tokenId(token), e: now + SESSION_HOURS * 3_600_000 } satisfies SessionBody),
  ).toString('base64url');
  return `${body}.${mac(token, body)}`;
}

export function verifySession(tokens: readonly string[], value: string, now = Date.now()): Viewer | undefined {
  const dot = value.indexOf('.');
  if (dot <= 0) return undefined;
  const body = value.slice(0, dot);
  let parsed: SessionBody;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionBody;
  } catch {
    return undefined;
  }
  if (typeof parsed.e !== 'number' || parsed.e < now || typeof parsed.n !== 'string') return undefined;
  // The fingerprint only says which token to check against; the HMAC decides.
  const token = tokens.find((t) => tokenId(t) === parsed.t);
  if (!token) return undefined;
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(mac(token, body));
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return undefined;
  return { name: parsed.n, tokenId: parsed.t, via: 'session' };
}

/** The viewer from a bearer header or a session cookie, or undefined. */
export function identify(req: FastifyRequest, tokens: readonly string[]): Viewer | undefined {
  const bearer = bearerToken(req.headers.authorization);
  if (bearer) {
    const match = matchAdminToken(tokens, bearer);
    return match ? { name: tokenId(match), tokenId: tokenId(match), via: 'bearer' } : undefined;
  }
  const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
  return cookie ? verifySession(tokens, cookie) : undefined;
}

/** What stage_changes.actor and notifications record: the person, and which token let them in. */
export function actorOf(viewer: Viewer): string {
  return viewer.via === 'session' ? `${viewer.name} (${viewer.tokenId})` : viewer.tokenId;
}

export function setSessionCookie(reply: FastifyReply, value: string, secure: boolean): void {
  const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${SESSION_HOURS * 3600}`, ...(secure ? ['Secure'] : [])];
  void reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(value)}; ${attrs.join('; ')}`);
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
}

/**
 * A state-changing request carried by a cookie must come from our own pages. SameSite=Strict
 * already keeps other sites' forms from sending the cookie; this also refuses a foreign Origin.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin !== 'null';
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
