import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../infra/tokens.ts';

const secret = 'tracking-secret-for-unit-tests';

describe('tracking tokens', () => {
  it('round-trips each kind and checks the expected kind', () => {
    const click = signToken(secret, { k: 'c', m: 'journey/example/x#welcome', u: 'https://example.com/a?b=1' });
    expect(verifyToken(secret, click)).toEqual({ k: 'c', m: 'journey/example/x#welcome', u: 'https://example.com/a?b=1' });
    expect(verifyToken(secret, click, 'c')?.u).toBe('https://example.com/a?b=1');
    expect(verifyToken(secret, click, 'o')).toBeUndefined();
  });

  it('rejects a token signed with another secret, tampered in body or mac, or malformed', () => {
    const token = signToken(secret, { k: 'o', m: 'key' });
    expect(verifyToken('another-secret-entirely', token)).toBeUndefined();
    const [body, sig] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ k: 'o', m: 'other' })).toString('base64url');
    expect(verifyToken(secret, `${forged}.${sig}`)).toBeUndefined();
    expect(verifyToken(secret, `${body}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    for (const bad of ['', '.', 'abc', `.${sig}`, `${body}.`, 'x'.repeat(10_000)]) expect(verifyToken(secret, bad)).toBeUndefined();
  });

  it('rejects a correctly signed payload of the wrong shape', () => {
    const body = Buffer.from(JSON.stringify({ k: 'c', m: 'key' })).toString('base64url');
    // Sign it the way signToken would, bypassing its types.
    const token = signToken(secret, { k: 'c', m: 'key' } as never);
    expect(token.startsWith(body)).toBe(true);
    expect(verifyToken(secret, token)).toBeUndefined();
  });
});
