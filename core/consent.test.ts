import { describe, expect, it } from 'vitest';
import { consentRefused, decideSignup } from './consent.ts';

const given = { given: true, method: 'form' };
const refused = { given: false };

describe('decideSignup', () => {
  it.each([
    ['new lead, no consent field', undefined, null, null, { kind: 'enroll' }],
    ['new lead, consent given', given, null, null, { kind: 'enroll' }],
    ['consent refused', refused, null, null, { kind: 'no_consent' }],
    ['consent refused while already given before', refused, given, null, { kind: 'no_consent' }],
    ['no consent field, refused before', undefined, refused, null, { kind: 'no_consent' }],
    ['consent given, refused before (a new opt-in)', given, refused, null, { kind: 'enroll' }],
    ['unsubscribed, no consent field', undefined, given, 'unsubscribed', { kind: 'suppressed', reason: 'unsubscribed' }],
    [
      'unsubscribed, consent given: the person must confirm',
      given,
      given,
      'unsubscribed',
      { kind: 'confirm', reason: 'unsubscribed' },
    ],
    ['complained, consent given', given, null, 'complained', { kind: 'confirm', reason: 'complained' }],
    ['erased, consent given', given, null, 'erased', { kind: 'confirm', reason: 'erased' }],
    ['bounced, consent given: not about consent', given, null, 'bounced', { kind: 'suppressed', reason: 'bounced' }],
    ['manual block, consent given', given, null, 'manual', { kind: 'suppressed', reason: 'manual' }],
    ['unsubscribed, consent refused', refused, null, 'unsubscribed', { kind: 'no_consent' }],
  ] as const)('%s', (_name, consent, recorded, suppression, expected) => {
    expect(decideSignup({ consent, recorded, suppression })).toEqual(expected);
  });
});

describe('consentRefused', () => {
  it('is true only for an explicit given: false', () => {
    expect(consentRefused({ given: false, method: 'unsubscribe' })).toBe(true);
    for (const v of [null, undefined, {}, { given: true }, { given: 'false' }, 'no', false])
      expect(consentRefused(v)).toBe(false);
  });
});
