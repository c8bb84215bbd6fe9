// Who is looking at the dashboard. Browsers cannot send a bearer header on navigation, so
// /dashboard/login trades an admin token (checked with api/auth.ts, constant-time) for a
// server-side session: the cookie holds 32 random bytes, PostgreSQL keeps only their SHA-256
// (dashboard_sessions) with the name typed at login, the hash of the admin token that signed
// in, an expiry and when it was last seen. Hence:
// - signing out deletes the row: a copied cookie stops working at once;
// - removing a token from ADMIN_TOKENS ends every session it opened (checked on each request);
// - the cookie never carries the token, and the table signs nobody in.
// The cookie: HttpOnly, SameSite=Strict, Path=/, Secure when PUBLIC_URL is https.
// The name typed at login is what stage changes and notifications record as the actor.
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, cookieValue, matchAdminToken, tokenId } from '../auth.ts';
import type { Db } from '../../infra/db.ts';

const SESSION_COOKIE = 'nurture_session';
/** A session ends this long after sign-in, however active. */
const SESSION_HOURS = 12;
/** last_seen_at is written at most this often per session (not on every request). */
const LAST_SEEN_EVERY_MS = 60_000;

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

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** The configured admin token whose hash a session row names, if it is still configured. */
function tokenByHash(tokens: readonly string[], hash: string): string | undefined {
  const want = Buffer.from(hash);
  let match: string | undefined;
  for (const t of tokens) {
    const have = Buffer.from(sha256(t));
    if (have.length === want.length && crypto.timingSafeEqual(have, want)) match = t;
  }
  return match;
}

/** Opens a session for `token` (already matched) and returns the cookie value. */
export async function createSession(db: Db, token: string, name: string, now = new Date()): Promise<string> {
  const secret = crypto.randomBytes(32).toString('base64url');
  // Sign-in is rare: a good moment to forget sessions that ended on their own.
  await db.dashboardSession.deleteMany({ where: { expiresAt: { lt: now } } });
  await db.dashboardSession.create({
    data: {
      idHash: sha256(secret),
      adminTokenHash: sha256(token),
      name,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + SESSION_HOURS * 3_600_000),
    },
  });
  return secret;
}

/** The viewer a session cookie value stands for, or undefined (unknown, expired or revoked). */
async function sessionViewer(db: Db, tokens: readonly string[], secret: string, now = new Date()): Promise<Viewer | undefined> {
  const idHash = sha256(secret);
  const row = await db.dashboardSession.findUnique({ where: { idHash } });
  if (!row) return undefined;
  const token = tokenByHash(tokens, row.adminTokenHash);
  if (!token || row.expiresAt <= now) {
    // Its token was removed from ADMIN_TOKENS, or it expired: gone for good.
    await db.dashboardSession.deleteMany({ where: { idHash } });
    return undefined;
  }
  if (now.getTime() - row.lastSeenAt.getTime() >= LAST_SEEN_EVERY_MS)
    await db.dashboardSession.updateMany({ where: { idHash }, data: { lastSeenAt: now } });
  return { name: row.name, tokenId: tokenId(token), via: 'session' };
}

/** The viewer from a bearer header or a session cookie, or undefined. */
export async function identify(req: FastifyRequest, db: Db, tokens: readonly string[]): Promise<Viewer | undefined> {
  const bearer = bearerToken(req.headers.authorization);
  if (bearer) {
    const match = matchAdminToken(tokens, bearer);
    return match ? { name: tokenId(match), tokenId: tokenId(match), via: 'bearer' } : undefined;
  }
  const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
  return cookie ? sessionViewer(db, tokens, cookie) : undefined;
}

/** Signing out: the session row goes, so the cookie (and any copy of it) is worthless. */
export async function endSession(req: FastifyRequest, db: Db): Promise<void> {
  const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (cookie) await db.dashboardSession.deleteMany({ where: { idHash: sha256(cookie) } });
}

/** What stage_changes.actor and notifications record: the person, and which token let them in. */
export function actorOf(viewer: Viewer): string {
  return viewer.via === 'session' ? `${viewer.name} (${viewer.tokenId})` : viewer.tokenId;
}

export function setSessionCookie(reply: FastifyReply, value: string, secure: boolean): void {
  const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${SESSION_HOURS * 3600}`, ...(secure ? ['Secure'] : [])];
  void reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(value)}; ${attrs.join('; ')}`);
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`);
}
