import { describe, expect, it } from 'vitest';
import { html } from './html.ts';
import { actorOf } from './session.ts';

// Sessions themselves live in PostgreSQL: test/dashboard-security.test.ts signs in, out and
// revokes on the real stack.
describe('dashboard actor', () => {
  it('names the person and the token that signed them in', () => {
    expect(actorOf({ name: 'Ada', tokenId: 'admin:0123abcd', via: 'session' })).toBe('Ada (admin:0123abcd)');
    expect(actorOf({ name: 'admin:0123abcd', tokenId: 'admin:0123abcd', via: 'bearer' })).toBe('admin:0123abcd');
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
