import { describe, expect, it } from 'vitest';
import { crossSiteReason, dashboardCsp, isDashboardPath } from './security.ts';

const PUBLIC = 'https://nurture.example.com';

describe('dashboard cross-site rule', () => {
  it.each([
    ['a GET, whatever it says', { method: 'GET', secFetchSite: 'cross-site', origin: 'https://evil.com' }],
    ['a same-origin browser post', { method: 'POST', secFetchSite: 'same-origin', origin: PUBLIC }],
    ['our PUBLIC_URL origin without Sec-Fetch-Site', { method: 'POST', origin: PUBLIC }],
    ['the Host it was sent to', { method: 'DELETE', origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' }],
    ['a client sending neither header (curl with a token)', { method: 'POST' }],
  ])('lets through %s', (_name, req) => {
    expect(crossSiteReason(req, PUBLIC)).toBeUndefined();
  });

  it.each([
    [
      'a cross-site form',
      { method: 'POST', secFetchSite: 'cross-site', origin: 'https://evil.com' },
      /Sec-Fetch-Site is "cross-site"/,
    ],
    ['a sibling site (another port or subdomain)', { method: 'POST', secFetchSite: 'same-site' }, /same-site/],
    ['a user-typed request claiming none', { method: 'PUT', secFetchSite: 'none' }, /"none"/],
    ['a foreign Origin', { method: 'POST', origin: 'https://evil.com', host: 'nurture.example.com' }, /evil\.com is not/],
    [
      'a foreign Origin with a matching-looking host',
      { method: 'POST', origin: 'https://nurture.example.com.evil.com', host: 'nurture.example.com' },
      /not this dashboard/,
    ],
    [
      'another port of our host',
      { method: 'POST', origin: 'http://127.0.0.1:4000', host: '127.0.0.1:3000' },
      /not this dashboard/,
    ],
    ['an opaque origin', { method: 'POST', origin: 'null' }, /"null"/],
    ['garbage', { method: 'PATCH', origin: 'not a url' }, /not an origin/],
    [
      'same-origin fetch metadata with a foreign Origin',
      { method: 'POST', secFetchSite: 'same-origin', origin: 'https://evil.com' },
      /evil\.com/,
    ],
  ])('refuses %s', (_name, req, reason) => {
    expect(crossSiteReason(req, PUBLIC)).toMatch(reason);
  });
});

describe('dashboard CSP', () => {
  it('allows only this response nonce, nothing inline, no framing', () => {
    const csp = dashboardCsp('abc123');
    expect(csp).toContain("script-src 'nonce-abc123'");
    expect(csp).toContain("style-src 'nonce-abc123'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe');
  });

  it('guards the dashboard prefix and nothing else', () => {
    expect(isDashboardPath('/dashboard')).toBe(true);
    expect(isDashboardPath('/dashboard/login?next=/x')).toBe(true);
    expect(isDashboardPath('/dashboard.json')).toBe(true);
    expect(isDashboardPath('/dashboardx')).toBe(false);
    expect(isDashboardPath('/webhooks/signup')).toBe(false);
    expect(isDashboardPath('/u/token?x=/dashboard')).toBe(false);
  });
});
