import { describe, expect, it } from 'vitest';
import { confirmUnsubscribePage, escapeHtml, preferencesPage, unsubscribedPage } from './pages.ts';
import { clickEventId, openEventId, PIXEL_GIF, safeRedirectTarget } from './tracking.ts';
import { unsubscribeMethod } from './unsubscribe.ts';

describe('pages', () => {
  it('escapes every value and loads nothing from outside', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = confirmUnsubscribePage({ email: '"><script>alert(1)</script>@x.com', sender: 'Acme <b>' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    for (const page of [
      html,
      unsubscribedPage({ email: 'a@b.co', sender: 'Acme' }),
      preferencesPage({ email: 'a@b.co', sender: 'Acme', subscribed: true }),
    ]) {
      expect(page).not.toMatch(/<(script|link|img|iframe)\b|src=|https?:\/\//i);
    }
  });

  it('the confirmation page posts back to its own URL and links the preferences', () => {
    const html = confirmUnsubscribePage({ email: 'a@b.co', sender: 'Acme' });
    expect(html).toContain('<form method="post">');
    expect(html).toContain('href="?preferences=1"');
  });
});

describe('tracking helpers', () => {
  it('serves a real 1x1 GIF', () => {
    expect(PIXEL_GIF.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect([PIXEL_GIF.readUInt16LE(6), PIXEL_GIF.readUInt16LE(8)]).toEqual([1, 1]);
  });

  it('redirects to web URLs only', () => {
    expect(safeRedirectTarget('https://example.com/a?b=1')).toBe('https://example.com/a?b=1');
    expect(safeRedirectTarget('http://example.com')).toBe('http://example.com/');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', '//evil.example', '/relative', 'mailto:a@b.co', 'not a url']) {
      expect(safeRedirectTarget(bad), bad).toBeUndefined();
    }
  });

  it('derives one open per message and one click per link per message', () => {
    expect(openEventId('journey/c/l#welcome')).toBe('open:journey/c/l#welcome');
    expect(clickEventId('k', 'https://a.example/')).toBe(clickEventId('k', 'https://a.example/'));
    expect(clickEventId('k', 'https://a.example/')).not.toBe(clickEventId('k', 'https://b.example/'));
    expect(clickEventId('k', 'https://a.example/')).not.toBe(clickEventId('k2', 'https://a.example/'));
  });

  it('tells how an unsubscribe arrived', () => {
    expect(unsubscribeMethod('List-Unsubscribe=One-Click')).toBe('one-click');
    expect(unsubscribeMethod('confirm=page')).toBe('page');
    expect(unsubscribeMethod(undefined)).toBe('post');
    expect(unsubscribeMethod('')).toBe('post');
  });
});
