// Opaque tokens for tracking and unsubscribe links: the payload is sealed with AES-256-GCM
// under a key derived from a TRACKING_SECRET entry, so a link reveals nothing (not the address,
// not the destination) and any change to it fails authentication.
//
// TRACKING_SECRET is a key list so it can be rotated: a token is sealed with the first key and
// opens with any listed key. token = <key id>.<base64url(iv | ct | tag)>, the key id (derived
// from the key, so it names no secret) bound to the ciphertext as associated data. Tokens of
// the first format, base64url(iv | ct | tag) without a key id, are still in inboxes: they open
// with any listed key.
import crypto from 'node:crypto';
import { z } from 'zod';

export type TokenPayload =
  | { k: 'u'; l: string; e: string } // unsubscribe: lead id, email
  | { k: 'o'; m: string } // open: sent message idempotency key
  | { k: 'c'; m: string; u: string } // click: sent message idempotency key, target URL
  | { k: 's'; i: string }; // subscription confirmation (double opt-in): its id

export type TokenKind = TokenPayload['k'];
export type TokenOf<K extends TokenKind> = Extract<TokenPayload, { k: K }>;

/** One secret or the TRACKING_SECRET list (first seals, any opens). */
export type TokenSecrets = string | readonly string[];

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
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{8}$/;

interface TokenKey {
  id: string;
  key: Buffer;
}

const keys = new Map<string, TokenKey>();
function keyFor(secret: string): TokenKey {
  let key = keys.get(secret);
  if (!key) {
    key = {
      key: crypto.createHash('sha256').update(`nurture-link-token-v1:${secret}`).digest(),
      // 6 bytes of a separate hash: tells the keys apart, reveals nothing about them.
      id: crypto.createHash('sha256').update(`nurture-link-token-id:${secret}`).digest().subarray(0, 6).toString('base64url'),
    };
    keys.set(secret, key);
  }
  return key;
}

const secretList = (secrets: TokenSecrets): readonly string[] => (typeof secrets === 'string' ? [secrets] : secrets);

/** The key id a token sealed under `secret` carries (tests, diagnostics). */
export function tokenKeyId(secret: string): string {
  return keyFor(secret).id;
}

export function sealToken(secrets: TokenSecrets, payload: TokenPayload): string {
  const first = secretList(secrets)[0];
  if (!first) throw new Error('sealToken: no tracking secret');
  const { id, key } = keyFor(first);
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(id, 'ascii'));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return `${id}.${Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')}`;
}

export function openToken(secrets: TokenSecrets, token: string): TokenPayload | undefined;
export function openToken<K extends TokenKind>(secrets: TokenSecrets, token: string, kind: K): TokenOf<K> | undefined;
export function openToken(secrets: TokenSecrets, token: string, kind?: TokenKind): TokenPayload | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const dot = token.indexOf('.');
  const keyId = dot === -1 ? undefined : token.slice(0, dot);
  const body = dot === -1 ? token : token.slice(dot + 1);
  if (keyId !== undefined && !KEY_ID_PATTERN.test(keyId)) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const raw = Buffer.from(body, 'base64url');
  // Only the canonical spelling: a last character differing in unused bits is another token.
  if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString('base64url') !== body) return undefined;

  // A key id names its key; a token without one (first format) is tried with every key.
  const candidates = secretList(secrets)
    .map(keyFor)
    .filter((k) => keyId === undefined || k.id === keyId);
  let json: unknown;
  for (const candidate of candidates) {
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', candidate.key, raw.subarray(0, IV_BYTES));
      if (keyId !== undefined) decipher.setAAD(Buffer.from(keyId, 'ascii'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
      json = JSON.parse(plain.toString('utf8'));
      break;
    } catch {
      json = undefined; // tampered, another secret, or not a token at all
    }
  }
  if (json === undefined) return undefined;
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return undefined;
  if (kind && parsed.data.k !== kind) return undefined;
  return parsed.data;
}
