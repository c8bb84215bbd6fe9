import { describe, expect, it } from 'vitest';
import { redactUrl } from './log-redaction.ts';

describe('redactUrl', () => {
  it('replaces the token of tracking and unsubscribe paths', () => {
    expect(redactUrl('/u/abcDEF.123_-x')).toBe('/u/[redacted]');
    expect(redactUrl('/u/abc?preferences=1')).toBe('/u/[redacted]?preferences=1');
    expect(redactUrl('/t/o/abc')).toBe('/t/o/[redacted]');
    expect(redactUrl('/t/c/abc/extra')).toBe('/t/c/[redacted]/extra');
  });

  it('replaces the values of query parameters that carry tokens or secrets, keeps the rest', () => {
    expect(redactUrl('/api/leads?token=s3cret&limit=5&access_token=x&Signature=y&key=z')).toBe(
      '/api/leads?token=[redacted]&limit=5&access_token=[redacted]&Signature=[redacted]&key=[redacted]',
    );
    expect(redactUrl('/dashboard/login?next=%2Fdashboard')).toBe('/dashboard/login?next=%2Fdashboard');
    expect(redactUrl('/x?%zz=1&tok%65n=2')).toBe('/x?%zz=1&tok%65n=[redacted]');
  });

  it('leaves other paths alone', () => {
    for (const url of ['/healthz', '/dashboard/leads/1', '/webhooks/signup', '/users/1', '/t/x/abc'])
      expect(redactUrl(url)).toBe(url);
  });
});
