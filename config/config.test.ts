import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.ts';

describe('loadConfig', () => {
  it('uses development defaults', () => {
    const c = loadConfig({}, '/srv/app');
    expect(c.PORT).toBe(3000);
    expect(c.inboxDir).toBe('/srv/app/.nurture/inbox');
    expect(c.WEBHOOK_SECRET).toHaveLength(1);
  });

  it('names the variable and the problem', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgresql:\/\/ connection URL/);
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'localhost' })).toThrow(/TEMPORAL_ADDRESS: must be host:port/);
  });

  it('splits rotated secrets', () => {
    const c = loadConfig({ WEBHOOK_SECRET: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb' });
    expect(c.WEBHOOK_SECRET).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
  });
});
