import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { createTemplateEnvironment, formatDate, formatMoney, resolveLinkUrl, safeTimeZone } from './helpers.ts';

describe('formatDate', () => {
  it('formats in the given time zone', () => {
    expect(formatDate('2025-04-01T02:00:00Z', 'long', 'Europe/Berlin')).toBe('April 1, 2025');
    expect(formatDate('2025-04-01T02:00:00Z', 'long', 'America/Los_Angeles')).toBe('March 31, 2025');
    expect(formatDate(new Date('2025-07-04T16:30:00Z'), 'datetime', 'America/New_York')).toBe('July 4, 2025 at 12:30 PM EDT');
    expect(formatDate('2025-07-04T16:30:00Z', 'short', undefined)).toBe('7/4/25');
  });

  it('falls back to UTC for an unknown time zone, and prints nothing for a missing date', () => {
    expect(safeTimeZone('Mars/Olympus')).toBe('UTC');
    expect(formatDate('2025-04-01T23:30:00Z', 'long', 'Mars/Olympus')).toBe('April 1, 2025');
    expect(formatDate(undefined, 'long', 'UTC')).toBe('');
  });

  it('throws for something that is not a date, or an unknown format', () => {
    expect(() => formatDate('next tuesday', 'long', 'UTC')).toThrow('formatDate: "next tuesday" is not a date');
    expect(() => formatDate('2025-04-01', 'fancy', 'UTC')).toThrow('unknown format "fancy"');
  });
});

describe('formatMoney', () => {
  it('formats amounts in a currency', () => {
    expect(formatMoney(49, 'USD')).toBe('$49.00');
    expect(formatMoney('1234.5', 'eur')).toBe('€1,234.50');
  });

  it('throws for bad input', () => {
    expect(() => formatMoney('lots', 'USD')).toThrow('is not an amount');
    expect(() => formatMoney(5, 'dollars')).toThrow('is not an ISO 4217 currency code');
  });
});

describe('resolveLinkUrl', () => {
  const publicUrl = 'http://localhost:3000';

  it('allows https and URLs under the public URL; paths resolve against it', () => {
    expect(resolveLinkUrl('https://nurture.example/a?b=1', publicUrl)).toBe('https://nurture.example/a?b=1');
    expect(resolveLinkUrl('/pricing', publicUrl)).toBe('http://localhost:3000/pricing');
    expect(resolveLinkUrl('http://localhost:3000/x', publicUrl)).toBe('http://localhost:3000/x');
    expect(resolveLinkUrl('http://example.test/app/x', 'http://example.test/app/')).toBe('http://example.test/app/x');
  });

  it('refuses everything else', () => {
    for (const url of [
      'http://evil.example/',
      'http://localhost:30001/x',
      'http://example.test/other',
      'javascript:alert(1)',
      '//evil.example/x',
      'not a url',
    ]) {
      expect(
        () => resolveLinkUrl(url, url === 'http://example.test/other' ? 'http://example.test/app' : publicUrl),
        url,
      ).toThrow();
    }
  });
});

describe('createTemplateEnvironment', () => {
  it('registers the email helpers in an isolated environment, not the global one', () => {
    const env = createTemplateEnvironment();
    expect(Object.keys(env.helpers)).toEqual(
      expect.arrayContaining(['formatDate', 'money', 'discountCode', 'trackedLink', 'fallback']),
    );
    expect(env.helpers.log).toBeUndefined();
    expect(Handlebars.helpers.trackedLink).toBeUndefined();
  });

  it('fallback keeps a present value and replaces a blank one', () => {
    const env = createTemplateEnvironment();
    const t = env.compile('{{fallback lead.firstName "friend"}}');
    expect(t({ lead: { firstName: 'Ada' } })).toBe('Ada');
    expect(t({ lead: { firstName: ' ' } })).toBe('friend');
    expect(t({ lead: {} })).toBe('friend');
  });
});
