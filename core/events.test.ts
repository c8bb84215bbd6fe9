import { describe, expect, it } from 'vitest';
import { describeIssues } from './rules/schemas.ts';
import { engagementEventSchema, eventBatchSchema, isBatch, jsonDataProblem, suppressionFor } from './events.ts';

const leadId = '3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';

function issues(body: unknown) {
  const r = engagementEventSchema.safeParse(body);
  return r.success ? [] : describeIssues(r.error);
}

describe('engagement event body', () => {
  it('accepts known and custom types, by email or lead id, and normalises', () => {
    const r = engagementEventSchema.parse({
      type: 'click',
      email: '  Ada@EXAMPLE.com ',
      eventId: 'e1',
      occurredAt: '2025-01-31T13:00:00+01:00',
      data: { link: 'https://x.test' },
    });
    expect(r).toEqual({
      type: 'click',
      email: 'ada@example.com',
      eventId: 'e1',
      occurredAt: '2025-01-31T12:00:00.000Z',
      data: { link: 'https://x.test' },
    });
    expect(engagementEventSchema.parse({ type: 'trial_started', leadId: leadId.toUpperCase(), eventId: 'e2' }).leadId).toBe(
      leadId,
    );
  });

  it('names each bad field', () => {
    expect(
      issues({ type: 'Open!', eventId: '', leadId: 'nope', occurredAt: 'yesterday', data: [1] }).map((i) => i.field),
    ).toEqual(['type', 'leadId', 'eventId', 'occurredAt', 'data']);
    expect(issues({ type: 'open' })).toEqual([
      { field: 'eventId', problem: 'is required' },
      { field: 'email', problem: 'email or leadId is required' },
    ]);
    expect(issues({ type: 'open', leadId, eventId: 'e', occurredAt: '0000-01-01T00:00:00Z' })[0]?.field).toBe('occurredAt');
    expect(
      issues({ type: 'open', leadId, eventId: 'e', occurredAt: new Date(Date.now() + 3 * 86_400_000).toISOString() })[0]?.field,
    ).toBe('occurredAt');
    expect(issues('a string')).toEqual([{ field: '(body)', problem: 'must be a JSON object' }]);
    expect(issues({ type: 'open', leadId, eventId: 'a\u0000b' })).toEqual([
      { field: 'eventId', problem: 'must not contain NUL characters' },
    ]);
  });

  it('bounds event data: no NUL, limited depth and size', () => {
    expect(jsonDataProblem({ a: [{ b: 'ok' }] })).toBeUndefined();
    expect(jsonDataProblem({ a: 'x\u0000' })).toMatch(/NUL/);
    expect(jsonDataProblem({ ['k\u0000']: 1 })).toMatch(/NUL/);
    expect(jsonDataProblem({ a: ['x\ud800'] })).toMatch(/surrogate/);
    expect(jsonDataProblem({ a: '\ud83d\ude80' })).toBeUndefined();
    expect(issues({ type: 'open', leadId, eventId: '\udc00' })).toEqual([
      { field: 'eventId', problem: 'must be valid Unicode (no lone surrogates)' },
    ]);
    let deep: unknown = 1;
    for (let i = 0; i < 20; i++) deep = [deep];
    expect(jsonDataProblem({ deep })).toMatch(/levels deep/);
    expect(jsonDataProblem({ big: 'x'.repeat(20_000) })).toMatch(/bytes/);
    expect(issues({ type: 'open', leadId, eventId: 'e', data: { big: 'x'.repeat(20_000) } })[0]?.field).toBe('data');
  });

  it('tells a batch from a single event and bounds its size', () => {
    expect(isBatch({ events: [] })).toBe(true);
    expect(isBatch({ type: 'open' })).toBe(false);
    expect(isBatch([1])).toBe(false);
    expect(eventBatchSchema.safeParse({ events: [] }).success).toBe(false);
    expect(eventBatchSchema.safeParse({ events: Array.from({ length: 501 }, () => ({})) }).success).toBe(false);
    expect(eventBatchSchema.safeParse({ events: Array.from({ length: 500 }, () => ({})) }).success).toBe(true);
  });
});

describe('suppressionFor', () => {
  it('suppresses unsubscribes, complaints and hard bounces only', () => {
    expect(suppressionFor('unsubscribe', undefined)).toBe('unsubscribed');
    expect(suppressionFor('complaint', {})).toBe('complained');
    expect(suppressionFor('bounce', undefined)).toBe('bounced');
    expect(suppressionFor('bounce', { bounceType: 'hard' })).toBe('bounced');
    expect(suppressionFor('bounce', { bounceType: 'Soft' })).toBeUndefined();
    expect(suppressionFor('bounce', { permanent: false })).toBeUndefined();
    expect(suppressionFor('bounce', { kind: 'soft' })).toBeUndefined();
    expect(suppressionFor('bounce', { kind: 'hard' })).toBe('bounced');
    expect(suppressionFor('open', undefined)).toBeUndefined();
  });
});
