// Signed, opaque tokens for tracking and unsubscribe links: base64url(JSON payload) + "." +
// a truncated HMAC-SHA256 (192 bits). A tampered token fails verification; nothing in it is
// secret, but nothing can be forged without TRACKING_SECRET.
import crypto from 'node:crypto';
import { z } from 'zod';

export type TokenPayload =
  | { k: 'u'; l: string; e: string } // unsubscribe: lead id, email
  | { k: 'o'; m: string } // open: sent message idempotency key
  | { k: 'c'; m: string; u: string }; // click: sent message idempotency key, target URL

export type TokenKind = TokenPayload['k'];
export type TokenOf<K extends TokenKind> = Extract<TokenPayload, { k: K }>;

// Even a correctly signed payload is checked: the shape is a contract with old emails.
const payloadSchema = z.discriminatedUnion('k', [
  z.object({ k: z.literal('u'), l: z.string().min(1), e: z.string().min(3) }),
  z.object({ k: z.literal('o'), m: z.string().min(1) }),
  z.object({ k: z.literal('c'), m: z.string().min(1), u: z.string().min(1) }),
]);

/** Longest token accepted: a click token carries its URL, and URLs in email stay well under this. */
export const MAX_TOKEN_LENGTH = 8192;

function mac(secret: string, body: string): string {
  return crypto.createHmac('sha256', secret).update(body).digest('base64url').slice(0, 32);
}

export function signToken(secret: string, payload: TokenPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

export function verifyToken(secret: string, token: string): TokenPayload | undefined;
export function verifyToken<K extends TokenKind>(secret: string, token: string, kind: K): TokenOf<K> | undefined;
export function verifyToken(secret: string, token: string, kind?: TokenKind): TokenPayload | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, body));
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return undefined;
  if (kind && parsed.data.k !== kind) return undefined;
  return parsed.data;
}
