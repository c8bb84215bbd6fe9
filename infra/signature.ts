// Webhook signatures, inbound (api/webhooks) and outbound (activities/sales.ts): `Nurture-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
// Pure: the caller passes the clock and the secrets. Every secret in the list is tried (so a
// secret can be rotated without downtime) and every comparison is constant-time.
import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'nurture-signature';
const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

type SignatureFailure = 'missing' | 'malformed' | 'expired' | 'mismatch';
export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure };

export interface ParsedSignature {
  timestamp: number;
  signatures: string[];
}

/** `t=…,v1=…[,v1=…]`; unknown schemes (v0, v2…) are ignored so senders can add new ones. */
export function parseSignatureHeader(header: string): ParsedSignature | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (/^[0-9a-fA-F]{64}$/.test(value)) signatures.push(value.toLowerCase());
    }
  }
  if (timestamp === undefined || signatures.length === 0 || signatures.length > 8) return undefined;
  return { timestamp, signatures };
}

export function computeSignature(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/**
 * The header value a sender puts on `rawBody`: one v1 per secret, so a receiver that knows any
 * of them (old or new, during a rotation) verifies it. Used for outgoing sales webhooks, tests
 * and client examples.
 */
export function signatureHeader(
  secrets: string | readonly string[],
  rawBody: Buffer | string,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  return [`t=${timestamp}`, ...list.map((s) => `v1=${computeSignature(s, timestamp, rawBody)}`)].join(',');
}

export function verifySignature(opts: {
  header: string | string[] | undefined;
  rawBody: Buffer | string;
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds?: number;
}): SignatureCheck {
  const header = Array.isArray(opts.header) ? opts.header[0] : opts.header;
  if (!header) return { ok: false, reason: 'missing' };
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const tolerance = opts.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(opts.nowSeconds - parsed.timestamp) > tolerance) return { ok: false, reason: 'expired' };

  let matched = false;
  // No early exit: the time taken does not tell which secret or which signature matched.
  for (const secret of opts.secrets) {
    const expected = Buffer.from(computeSignature(secret, parsed.timestamp, opts.rawBody), 'hex');
    for (const given of parsed.signatures) {
      if (crypto.timingSafeEqual(expected, Buffer.from(given, 'hex'))) matched = true;
    }
  }
  return matched ? { ok: true, timestamp: parsed.timestamp } : { ok: false, reason: 'mismatch' };
}
