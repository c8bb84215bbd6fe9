import { describe, expect, it } from 'vitest';
import { html } from './html.ts';
import { actorOf, signSession, verifySession } from './session.ts';

const A = 'token-a-0123456789abcdef';
const B = 'token-b-0123456789abcdef';

describe('dashboard session cookie', () => {
  it('names the person and the token that signed them in', () => {
    const v = verifySession([B, A], signSession(A, 'Ada'));
    expect(v).toMatchObject({ name: 'Ada', via: 'session' });
    expect(actorOf(v!)).toMatch(/^Ada \(admin:[0-9a-f]{8}\)$/);
  });

  it('is refused once tampered with, expired, or its token is no longer configured', () => {
    const cookie = signSession(A, 'Ada');
    const [body, mac] = cookie.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), n: 'Mallory' }),
    ).toString('base64url');
    expect(verifySession([A], `${forged}.${mac}`)).toBeUndefined();
    expect(verifySession([A], `${body}.${mac!.slice(1)}x`)).toBeUndefined();
    expect(verifySession([A], cookie, Date.now() + 13 * 3_600_000)).toBeUndefined();
    expect(verifySession([B], cookie)).toBeUndefined();
    expect(verifySession([A], 'garbage')).toBeUndefined();
  });
});

describe('html', () => {
  it('escapes interpolated lead data but keeps nested markup', () => {
    const name = '<script>alert("x")</script>';
    expect(html`<b>${name}</b>${html`<i>ok</i>`}`.value).toBe(
      '<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</b><i>ok</i>',
    );
  });
});
