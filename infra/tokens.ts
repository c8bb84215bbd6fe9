// Signed, opaque tokens for tracking and unsubscribe links: base64url(JSON payload) + "." +
// a truncated HMAC-SHA256. A tampered token fails verification; nothing in it is secret,
// but nothing can be forged without TRACKING_SECRET.
import crypto from 'node:crypto';

export type TokenPayload =
  | { k: 'u'; l: string; e: string } // unsubscribe: lead id, email
  | { k: 'o'; m: string } // open: sent message idempotency key
  | { k: 'c'; m: string; u: string }; // click: sent message idempotency key, target URL

function mac(secret: string, body: string): string {
  return crypto.createHmac('sha256', secret).update(body).digest('base64url').slice(0, 32);
}

export function signToken(secret: string, payload: TokenPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

export function verifyToken(secret: string, token: string): TokenPayload | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, body));
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
  } catch {
    return undefined;
  }
}
