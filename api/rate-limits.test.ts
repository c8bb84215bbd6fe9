import { describe, expect, it } from 'vitest';
import { rateLimitGroup } from './rate-limits.ts';

describe('rateLimitGroup', () => {
  it('puts each public endpoint in its budget', () => {
    expect(rateLimitGroup('GET', '/u/abc')).toBe('links');
    expect(rateLimitGroup('POST', '/u/abc?x=1')).toBe('links');
    expect(rateLimitGroup('GET', '/t/o/abc')).toBe('links');
    expect(rateLimitGroup('GET', '/t/c/abc')).toBe('links');
    expect(rateLimitGroup('POST', '/webhooks/signup')).toBe('webhooks');
    expect(rateLimitGroup('POST', '/dashboard/login')).toBe('login');
    expect(rateLimitGroup('GET', '/api/leads')).toBe('admin');
  });

  it('leaves the rest unlimited', () => {
    for (const [m, u] of [
      ['GET', '/healthz'],
      ['GET', '/dashboard/login'],
      ['GET', '/dashboard/funnel'],
      ['GET', '/u'],
      ['GET', '/t/x/abc'],
    ])
      expect(rateLimitGroup(m!, u!)).toBeUndefined();
  });
});
