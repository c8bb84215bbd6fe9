import { describe, expect, it } from 'vitest';
import { openToken, sealToken } from '../infra/tokens.ts';

const secret = 'tracking-secret-for-unit-tests';

describe('link tokens', () => {
  it('round-trips each kind and checks the expected kind', () => {
    const click = sealToken(secret, { k: 'c', m: 'journey/example/x#welcome', u: 'https://example.com/a?b=1' });
    expect(openToken(secret, click)).toEqual({ k: 'c', m: 'journey/example/x#welcome', u: 'https://example.com/a?b=1' });
    expect(openToken(secret, click, 'c')?.u).toBe('https://example.com/a?b=1');
    expect(openToken(secret, click, 'o')).toBeUndefined();
  });

  it('is opaque: neither the address nor the destination can be read from it', () => {
    const token = sealToken(secret, { k: 'u', l: 'lead-1', e: 'ada@example.com' });
    const decoded = Buffer.from(token, 'base64url').toString('latin1');
    expect(decoded).not.toContain('ada@example.com');
    expect(token).not.toContain(Buffer.from('ada@example.com').toString('base64url').slice(0, 12));
    // Two tokens for the same payload differ (fresh IV), so links cannot be correlated.
    expect(sealToken(secret, { k: 'u', l: 'lead-1', e: 'ada@example.com' })).not.toBe(token);
  });

  it('rejects another secret, any changed character, or junk', () => {
    const token = sealToken(secret, { k: 'o', m: 'key' });
    expect(openToken('another-secret-entirely', token)).toBeUndefined();
    for (const i of [0, Math.floor(token.length / 2), token.length - 1]) {
      const changed = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(openToken(secret, changed)).toBeUndefined();
    }
    for (const bad of ['', '.', 'abc', 'a.b', 'x'.repeat(10_000), token.slice(0, 20)])
      expect(openToken(secret, bad)).toBeUndefined();
  });

  it('rejects an authentic payload of the wrong shape', () => {
    const token = sealToken(secret, { k: 'c', m: 'key' } as never);
    expect(openToken(secret, token)).toBeUndefined();
  });
});
