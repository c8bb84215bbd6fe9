import { describe, expect, it } from 'vitest';
import { computeSignature, parseSignatureHeader, signatureHeader, verifySignature } from './signature.ts';

const secret = 'a-webhook-secret-of-some-length';
const body = '{"email":"ada@example.com"}';
const now = 1_800_000_000;

describe('webhook signatures', () => {
  it('accepts a signature made with the secret over "<t>.<body>"', () => {
    const header = signatureHeader(secret, body, now);
    expect(header).toBe(`t=${now},v1=${computeSignature(secret, now, body)}`);
    expect(verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: now })).toEqual({ ok: true, timestamp: now });
    // Same bytes as a Buffer.
    expect(verifySignature({ header, rawBody: Buffer.from(body), secrets: [secret], nowSeconds: now }).ok).toBe(true);
  });

  it('tries every configured secret (rotation)', () => {
    const header = signatureHeader('the-new-secret-after-rotation', body, now);
    expect(
      verifySignature({ header, rawBody: body, secrets: [secret, 'the-new-secret-after-rotation'], nowSeconds: now }).ok,
    ).toBe(true);
    expect(verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('accepts any of several v1 signatures and ignores other schemes', () => {
    const good = computeSignature(secret, now, body);
    const header = `t=${now},v0=abc,v1=${'0'.repeat(64)},v1=${good.toUpperCase()}`;
    expect(verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: now }).ok).toBe(true);
  });

  it('rejects a changed body, a missing or malformed header, and a stale or future timestamp', () => {
    const header = signatureHeader(secret, body, now);
    expect(verifySignature({ header, rawBody: `${body} `, secrets: [secret], nowSeconds: now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifySignature({ header: undefined, rawBody: body, secrets: [secret], nowSeconds: now })).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(verifySignature({ header: '', rawBody: body, secrets: [secret], nowSeconds: now })).toEqual({
      ok: false,
      reason: 'missing',
    });
    for (const bad of ['v1=abc', `t=${now}`, `t=abc,v1=${'0'.repeat(64)}`, `t=${now},v1=xyz`, 'garbage']) {
      expect(verifySignature({ header: bad, rawBody: body, secrets: [secret], nowSeconds: now })).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
    expect(verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: now + 301 })).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: now - 301 })).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: now + 300 }).ok).toBe(true);
  });

  it('parses the header leniently about spaces and order', () => {
    expect(parseSignatureHeader(` v1=${'a'.repeat(64)} , t=12 `)).toEqual({ timestamp: 12, signatures: ['a'.repeat(64)] });
  });
});
