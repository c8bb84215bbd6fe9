// Opaque tokens for tracking and unsubscribe links: the payload is sealed with AES-256-GCM
// under a key derived from TRACKING_SECRET, so a link reveals nothing (not the address, not
// the destination) and any change to it fails authentication. token = base64url(iv | ct | tag).
import crypto from 'node:crypto';
import { z } from 'zod';

export type TokenPayload =
  | { k: 'u'; l: string; e: string } // unsubscribe: lead id, email
  | { k: 'o'; m: string } // open: sent message idempotency key
  | { k: 'c'; m: string; u: string } // click: sent message idempotency key, target URL
  | { k: 's'; i: string }; // subscription confirmation (double opt-in): its id

export type TokenKind = TokenPayload['k'];
export type TokenOf<K extends TokenKind> = Extract<TokenPayload, { k: K }>;

// Even an authentic payload is checked: the shape is a contract with emails already sent.
const payloadSchema = z.discriminatedUnion('k', [
  z.object({ k: z.literal('u'), l: z.string().min(1), e: z.string().min(3) }),
  z.object({ k: z.literal('o'), m: z.string().min(1) }),
  z.object({ k: z.literal('c'), m: z.string().min(1), u: z.string().min(1) }),
  z.object({ k: z.literal('s'), i: z.string().min(1) }),
]);

/** Longest token accepted: a click token carries its URL, and URLs in email stay well under this. */
const MAX_TOKEN_LENGTH = 8192;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const keys = new Map<string, Buffer>();
function keyFor(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.createHash('sha256').update(`nurture-link-token-v1:${secret}`).digest();
    keys.set(secret, key);
  }
  return key;
}

export function sealToken(secret: string, payload: TokenPayload): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', keyFor(secret), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

export function openToken(secret: string, token: string): TokenPayload | undefined;
export function openToken<K extends TokenKind>(secret: string, token: string, kind: K): TokenOf<K> | undefined;
export function openToken(secret: string, token: string, kind?: TokenKind): TokenPayload | undefined {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  // Only the canonical spelling: a last character differing in unused bits is another token.
  if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString('base64url') !== token) return undefined;
  let json: unknown;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', keyFor(secret), raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    json = JSON.parse(plain.toString('utf8'));
  } catch {
    return undefined; // tampered, another secret, or not a token at all
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return undefined;
  if (kind && parsed.data.k !== kind) return undefined;
  return parsed.data;
}
