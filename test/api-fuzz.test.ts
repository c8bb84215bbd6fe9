// Fuzzing the webhook edge against the running server: signed bodies of every shape (valid,
// nearly valid, junk, NUL bytes, deep nesting, huge numbers) must never produce a 5xx.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_EVENT_TYPES } from '../core/events.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { apiTestEnv } from './support/api.ts';

let stack: TestStack;
let known: { email: string; leadId: string };
const campaign = apiTestEnv();
beforeAll(async () => {
  stack = await startStack({ ...campaign.env, LOG_LEVEL: process.env.FUZZ_LOG ?? 'silent' });
  const email = stack.email('fuzz');
  const res = await stack.post('/webhooks/signup', { email });
  known = { email, leadId: res.body.leadId };
});
afterAll(async () => {
  await stack?.close();
  campaign.cleanup();
});

const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }), // includes NUL
  // Lone UTF-16 surrogates: valid in a JS string (and as JSON "\\ud800"), not in PostgreSQL.
  fc.tuple(fc.string({ maxLength: 5 }), fc.integer({ min: 0xd800, max: 0xdfff })).map(([s, c]) => s + String.fromCharCode(c)),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '__proto__',
    'constructor',
    '💥'.repeat(300),
    'a'.repeat(5000),
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
  ),
);
const anyValue = fc.oneof(
  nastyString,
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(null, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, true),
);

/** Random event bodies: mostly valid ones for the known lead, some with one field broken, some junk. */
function eventArb(): fc.Arbitrary<Record<string, unknown>> {
  const valid = fc
    .record(
      {
        type: fc.constantFrom(...KNOWN_EVENT_TYPES.filter((t) => t !== 'unsubscribe'), 'custom_type'),
        who: fc.constantFrom<['email' | 'leadId', string][]>(
          ['email', known.email],
          ['leadId', known.leadId],
          ['leadId', known.leadId],
          ['email', 'nobody@example.com'],
        ),
        eventId: fc.oneof(fc.uuid(), fc.constant('fuzz-repeated-id')),
        occurredAt: fc.date({ min: new Date('2000-01-01'), max: new Date(), noInvalidDate: true }).map((d) => d.toISOString()),
        data: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 3 }),
      },
      { requiredKeys: ['type', 'who', 'eventId'] },
    )
    .map(({ who, ...e }) => ({ ...e, [who[0]]: who[1] }));
  const broken = fc
    .tuple(
      valid,
      fc.constantFrom('type', 'email', 'leadId', 'eventId', 'occurredAt', 'data'),
      fc.oneof(nastyString, anyValue, fc.dictionary(nastyString, nastyString, { maxKeys: 2 })),
    )
    .map(([e, key, value]) => ({ ...e, [key]: value }));
  const junk = fc.record(
    {
      type: anyValue,
      email: fc.oneof(fc.emailAddress(), anyValue),
      leadId: fc.oneof(fc.uuid(), anyValue),
      eventId: anyValue,
      occurredAt: anyValue,
      data: anyValue,
    },
    { requiredKeys: [] },
  );
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 3, arbitrary: broken }, { weight: 1, arbitrary: junk });
}

function signupArb(): fc.Arbitrary<Record<string, unknown>> {
  const valid = fc.record(
    {
      email: fc.emailAddress(),
      firstName: fc.string({ maxLength: 50 }),
      timezone: fc.constantFrom('Europe/Paris', 'UTC', 'Asia/Kolkata'),
      properties: fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 3 }),
      consent: fc.record({ given: fc.boolean() }),
      eventId: fc.uuid(),
    },
    { requiredKeys: ['email'] },
  );
  const broken = fc
    .tuple(
      valid,
      fc.constantFrom(
        'email',
        'firstName',
        'lastName',
        'company',
        'timezone',
        'source',
        'campaign',
        'properties',
        'consent',
        'eventId',
      ),
      fc.oneof(anyValue, nastyString),
    )
    .map(([b, key, value]) => ({ ...b, [key]: value }));
  return fc.oneof({ weight: 1, arbitrary: valid }, { weight: 3, arbitrary: broken });
}

function deeplyNested(depth: number): string {
  return `{"type":"open","leadId":"${known.leadId}","eventId":"deep-${depth}","data":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
}

describe('webhook fuzzing', () => {
  it('no 5xx for 200 random bodies on each webhook', async () => {
    const seen = new Set<number>();
    const body = fc.oneof(
      { weight: 3, arbitrary: eventArb().map((e) => ({ path: '/webhooks/events', raw: JSON.stringify(e) })) },
      {
        weight: 1,
        arbitrary: fc
          .array(eventArb(), { maxLength: 4 })
          .map((events) => ({ path: '/webhooks/events', raw: JSON.stringify({ events }) })),
      },
      { weight: 2, arbitrary: signupArb().map((s) => ({ path: '/webhooks/signup', raw: JSON.stringify(s) })) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom('/webhooks/events', '/webhooks/signup'), fc.oneof(fc.string({ unit: 'binary' }), fc.json()))
          .map(([path, raw]) => ({ path, raw })),
      },
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ path, raw }) => {
        const res = await stack.post(path, raw);
        seen.add(res.status);
        expect(res.status, `${path} ${raw.slice(0, 300)} -> ${JSON.stringify(res.body).slice(0, 300)}`).toBeLessThan(500);
        expect(typeof res.body).toBe('object'); // JSON, always
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 200) },
    );
    // The fuzz reached past validation too, not only 400s.
    expect([...seen]).toEqual(expect.arrayContaining([202, 400]));
    expect([...seen].some((s) => s === 200 || s === 404 || s === 207)).toBe(true);
  }, 120_000);

  it('no 5xx for random tracking, unsubscribe and admin paths', async () => {
    const segment = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.base64String(),
      fc.constantFrom('.', '..', '%', '%ZZ', '%ED%A0%80', 'a.b', 'x'.repeat(9000)),
    );
    const pathArb = fc.oneof(
      fc
        .tuple(fc.constantFrom('/t/o/', '/t/c/', '/u/'), segment, fc.constantFrom('GET', 'POST'))
        .map(([p, s, m]) => ({ method: m, path: p + encodeURIComponent(s) })),
      fc
        .dictionary(fc.constantFrom('stage', 'stalled', 'campaign', 'cursor', 'limit', 'x'), segment, { maxKeys: 4 })
        .map((q) => ({
          method: 'GET',
          path: `/api/leads?${new URLSearchParams(q).toString()}`,
        })),
    );
    await fc.assert(
      fc.asyncProperty(pathArb, async ({ method, path }) => {
        const headers = path.startsWith('/api/') ? { authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` } : undefined;
        const res = await stack.request(method, path, { headers });
        expect(res.status, `${method} ${path.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('survives pathological JSON: deep nesting, huge numbers, odd unicode', async () => {
    for (const raw of [
      deeplyNested(5),
      deeplyNested(5000),
      `{"type":"open","leadId":"${known.leadId}","eventId":"num","data":{"n":1e400}}`,
      `{"email":"${known.email}","properties":{"n":1e400}}`,
      `{"type":"open","email":"${known.email}","eventId":"\\ud800"}`,
      `{"email":"${known.email}","firstName":"\\ud83d"}`,
      `{"type":"open","email":"${known.email}","eventId":"bom"}`.replace(/^/, '\ufeff'),
    ]) {
      for (const path of ['/webhooks/events', '/webhooks/signup']) {
        const res = await stack.post(path, raw);
        expect(res.status, `${path} ${raw.slice(0, 120)}`).toBeLessThan(500);
      }
    }
    expect((await stack.get('/healthz')).status).toBe(200);
  });
});
