import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../errors.ts';
import { signatureHeader } from '../../infra/signature.ts';
import { useSignedJsonBody } from './body.ts';

const secret = 'unit-test-webhook-secret-0123';

async function server(disabled = false) {
  const app = Fastify();
  app.setErrorHandler(errorHandler);
  await app.register(async (hooks) => {
    useSignedJsonBody(hooks, { secrets: [secret], disabled, nowSeconds: () => 1_800_000_000 });
    hooks.post('/hook', { bodyLimit: 1024 }, async (req) => ({ body: req.body, raw: req.rawBody?.toString('utf8') }));
  });
  // Outside the plugin, the default JSON parser is untouched.
  app.post('/plain', async (req) => ({ body: req.body }));
  return app;
}

const sign = (raw: string) => signatureHeader(secret, raw, 1_800_000_000);

describe('signed JSON body', () => {
  it('passes the parsed body and the raw bytes to the route', async () => {
    const app = await server();
    const raw = '{"a":[1,"é"]}';
    const res = await app.inject({
      method: 'POST',
      url: '/hook',
      payload: raw,
      headers: { 'content-type': 'application/json', 'nurture-signature': sign(raw) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ body: { a: [1, 'é'] }, raw });
  });

  it('answers 415, 413, 401 and 400 in that order of checks', async () => {
    const app = await server();
    const raw = '{"a":1}';
    const wrongType = await app.inject({
      method: 'POST',
      url: '/hook',
      payload: raw,
      headers: { 'content-type': 'text/plain', 'nurture-signature': sign(raw) },
    });
    expect([wrongType.statusCode, wrongType.json().error]).toEqual([415, 'unsupported_media_type']);
    const big = JSON.stringify({ x: 'y'.repeat(2000) });
    const tooBig = await app.inject({
      method: 'POST',
      url: '/hook',
      payload: big,
      headers: { 'content-type': 'application/json' },
    });
    expect([tooBig.statusCode, tooBig.json().error]).toEqual([413, 'body_too_large']);
    const unsigned = await app.inject({
      method: 'POST',
      url: '/hook',
      payload: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect([unsigned.statusCode, unsigned.json().reason]).toEqual([401, 'missing']);
    const badJson = await app.inject({
      method: 'POST',
      url: '/hook',
      payload: '{not json',
      headers: { 'content-type': 'application/json', 'nurture-signature': sign('{not json') },
    });
    expect([badJson.statusCode, badJson.json().error]).toEqual([400, 'invalid_json']);
    const poisoned = '{"__proto__":{"admin":true}}';
    const proto = await app.inject({
      method: 'POST',
      url: '/hook',
      payload: poisoned,
      headers: { 'content-type': 'application/json', 'nurture-signature': sign(poisoned) },
    });
    expect(proto.statusCode).toBe(400);
  });

  it('accepts unsigned bodies only when disabled', async () => {
    const app = await server(true);
    const res = await app.inject({
      method: 'POST',
      url: '/hook',
      payload: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
  });

  it('leaves routes outside the plugin alone', async () => {
    const app = await server();
    const res = await app.inject({
      method: 'POST',
      url: '/plain',
      payload: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.json()).toEqual({ body: { a: 1 } });
  });
});
