// TRACKING_SECRET rotation and token tampering (issue 11, item 6), at the unit level. The same
// mutations go through the real /u/ and /t/c/ endpoints in test/trust-edges-tokens.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openToken, sealToken, tokenKeyId, type TokenPayload } from './tokens.ts';
import {
  LEGACY_CLICK_TOKEN,
  LEGACY_SECRET as OLD,
  LEGACY_UNSUBSCRIBE_TOKEN,
  tokenMutations,
} from '../test/support/token-fuzz.ts';

const NEW = 'new-tracking-secret-9876543210';
const OTHER = 'someone-elses-secret-000000000';

describe('link tokens with a rotated TRACKING_SECRET', () => {
  const payload: TokenPayload = { k: 'u', l: 'lead-1', e: 'ada@example.com' };

  it('seals with the first key (its id in the token) and opens with any listed key', () => {
    const token = sealToken([NEW, OLD], payload);
    expect(token.startsWith(`${tokenKeyId(NEW)}.`)).toBe(true);
    expect(tokenKeyId(NEW)).not.toBe(tokenKeyId(OLD));
    expect(openToken([NEW, OLD], token, 'u')).toEqual(payload);
    expect(openToken([OLD, NEW], token, 'u')).toEqual(payload);
    expect(openToken([NEW], token, 'u')).toEqual(payload);
    expect(openToken([OLD], token, 'u')).toBeUndefined();
  });

  it('a token sealed with the old key still opens after the new key is put first', () => {
    const before = sealToken([OLD], payload);
    expect(openToken([NEW, OLD], before, 'u')).toEqual(payload);
    // ...and stops opening once the old key is retired.
    expect(openToken([NEW], before, 'u')).toBeUndefined();
  });

  it('tokens minted before key ids (links already in inboxes) open with any listed key', () => {
    const unsubscribe = { k: 'u', l: 'lead-legacy', e: 'legacy@example.com' };
    expect(openToken(OLD, LEGACY_UNSUBSCRIBE_TOKEN, 'u')).toEqual(unsubscribe);
    expect(openToken([NEW, OLD], LEGACY_UNSUBSCRIBE_TOKEN, 'u')).toEqual(unsubscribe);
    expect(openToken([NEW, OTHER, OLD], LEGACY_CLICK_TOKEN, 'c')).toEqual({
      k: 'c',
      m: 'journey/x/y#welcome',
      u: 'https://example.com/legacy',
    });
    expect(openToken([NEW, OTHER], LEGACY_UNSUBSCRIBE_TOKEN)).toBeUndefined();
  });

  it('fuzz: hundreds of mutated tokens (bit flips, truncation, swapped key id, other key) are all refused', () => {
    const keyIds = [tokenKeyId(OLD), tokenKeyId(NEW), tokenKeyId(OTHER)];
    const tokens = [
      sealToken([NEW, OLD], payload),
      sealToken([OLD], payload),
      sealToken([NEW], { k: 'c', m: 'journey/x/y#welcome', u: 'https://example.com/a?b=1' }),
      sealToken([NEW], { k: 'o', m: 'journey/x/y#welcome' }),
      LEGACY_UNSUBSCRIBE_TOKEN,
      LEGACY_CLICK_TOKEN,
    ];
    let tried = 0;
    let accepted = 0;
    for (const [i, token] of tokens.entries()) {
      expect(openToken([NEW, OLD], token)).toBeDefined();
      for (const mutated of tokenMutations(token, keyIds, i + 1)) {
        tried++;
        if (openToken([NEW, OLD], mutated) !== undefined) accepted++;
      }
      // Authentic under another key: refused whatever key id it claims.
      const foreign = sealToken([OTHER], { k: 'u', l: 'lead-1', e: 'eve@example.com' });
      const foreignBody = foreign.slice(foreign.indexOf('.') + 1);
      for (const id of keyIds) {
        tried++;
        if (openToken([NEW, OLD], `${id}.${foreignBody}`) !== undefined) accepted++;
      }
    }
    expect(tried).toBeGreaterThan(500);
    expect(accepted).toBe(0);
  });

  it('fuzz: arbitrary strings and byte strings never open (and never throw)', () => {
    const keyIds = [tokenKeyId(OLD), tokenKeyId(NEW)];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.uint8Array({ minLength: 0, maxLength: 200 }).map((b) => Buffer.from(b).toString('base64url')),
          fc
            .tuple(fc.constantFrom(...keyIds), fc.uint8Array({ minLength: 29, maxLength: 200 }))
            .map(([id, b]) => `${id}.${Buffer.from(b).toString('base64url')}`),
        ),
        (s) => openToken([NEW, OLD], s) === undefined,
      ),
      { numRuns: 500 },
    );
  });
});
