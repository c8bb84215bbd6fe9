import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { leadListQuery } from './leads.ts';

describe('lead list cursor and query', () => {
  it('round-trips a cursor and refuses garbage', () => {
    const c = { createdAt: new Date('2025-02-03T04:05:06.789Z'), id: '3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of ['', 'abc', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["x","y"]').toString('base64url')]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
  });

  it('parses filters and names the bad ones', () => {
    expect(leadListQuery.parse({})).toEqual({ limit: 50 });
    expect(leadListQuery.parse({ stage: 'desire', stalled: 'true', campaign: 'example', limit: '10' })).toEqual({
      stage: 'desire',
      stalled: true,
      campaign: 'example',
      limit: 10,
    });
    const r = leadListQuery.safeParse({ stalled: 'yes', limit: '1000', cursor: 'nope', campaign: 'Bad Id' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['campaign', 'cursor', 'limit', 'stalled']);
  });
});
