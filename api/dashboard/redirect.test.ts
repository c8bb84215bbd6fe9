import { describe, expect, it } from 'vitest';
import { dashboardPath, safeDashboardPath } from './redirect.ts';

describe('dashboard redirect rule', () => {
  it.each([
    ['/dashboard', '/dashboard'],
    ['/dashboard/', '/dashboard/'],
    ['/dashboard/stalled?campaign=a&page=2', '/dashboard/stalled?campaign=a&page=2'],
    ['/dashboard/leads/0000/campaigns/x#frag', '/dashboard/leads/0000/campaigns/x'],
    ['/dashboard/leads/../stalled', '/dashboard/stalled'],
    ['/dashboard/./funnel', '/dashboard/funnel'],
    ['/dashboard?next=//evil.com', '/dashboard?next=//evil.com'],
  ])('accepts %j as %j', (target, expected) => {
    expect(dashboardPath(target)).toBe(expected);
  });

  it.each([
    '/dashboard/../..//evil.com',
    '/dashboard/../../evil.com',
    '/dashboard/..',
    '/dashboard/%2e%2e/%2e%2e//evil.com',
    '/dashboard/%2f%2fevil.com',
    '/dashboard/%2F%2Fevil.com',
    '/dashboard/%5c%5cevil.com',
    '/dashboard/%252f%252fevil.com',
    '/dashboard/%09/evil.com',
    '//evil.com',
    '///evil.com',
    '/\\evil.com',
    '\\\\evil.com',
    '/dashboard\\..\\..\\/evil.com',
    'https://evil.com',
    'https://evil.com/dashboard',
    'http://dashboard.invalid/dashboard',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '/\t/evil.com',
    '/\n/evil.com',
    '/dashboard\r\nSet-Cookie: x=1',
    ' /dashboard',
    'dashboard/funnel',
    '/dashboardx',
    '/dashboard-evil',
    '/api/leads',
    '/',
    '',
    '/dashboard/' + 'a'.repeat(3000),
    undefined,
    null,
    42,
    ['/dashboard'],
  ])('refuses %j', (target) => {
    expect(dashboardPath(target)).toBeUndefined();
    expect(safeDashboardPath(target)).toBe('/dashboard');
  });

  it('falls back to the given page', () => {
    expect(safeDashboardPath('//evil.com', '/dashboard/funnel')).toBe('/dashboard/funnel');
  });
});
