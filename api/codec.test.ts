// The codec endpoint's contract, in process (the real-stack check with the Temporal CLI and
// the Web UI's CORS is test/trust-codec.test.ts).
import crypto from 'node:crypto';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { codecRoutes } from './codec.ts';
import { errorHandler } from './errors.ts';

const config = loadConfig({ ADMIN_TOKENS: 'codec-test-admin-token-0123' });
const app = Fastify();
app.setErrorHandler(errorHandler);
void app.register(codecRoutes({ config }));
afterAll(() => app.close());

const auth = { authorization: 'Bearer codec-test-admin-token-0123' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const lead = { metadata: { encoding: b64('json/plain') }, data: b64('{"email":"ada@example.com"}') };
const post = (url: string, payload: unknown, headers: Record<string, string> = auth) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: payload as object });

describe('POST /codec/encode and /codec/decode', () => {
  it('encrypts and decrypts in the protocol’s JSON shape', async () => {
    const enc = await post('/codec/encode', { payloads: [lead] });
    expect(enc.statusCode).toBe(200);
    expect(enc.headers['cache-control']).toBe('no-store');
    const [encrypted] = enc.json().payloads;
    expect(Buffer.from(encrypted.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encrypted.metadata['encryption-key-id'], 'base64').toString()).toBe('dev');
    expect(Buffer.from(encrypted.data, 'base64').toString('latin1')).not.toContain('ada@example.com');

    const dec = await post('/codec/decode', { payloads: [encrypted, lead] });
    expect(dec.statusCode).toBe(200);
    expect(dec.json()).toEqual({ payloads: [lead, lead] });
    expect((await post('/codec/decode', { payloads: [] })).json()).toEqual({ payloads: [] });
  });

  it('answers 400 naming the field for a bad body', async () => {
    const notBase64 = await post('/codec/decode', { payloads: [{ metadata: { encoding: 'json/plain!' }, data: '' }] });
    expect(notBase64.statusCode).toBe(400);
    expect(notBase64.json()).toMatchObject({
      error: 'invalid_body',
      issues: [{ field: 'payloads.0.metadata.encoding', problem: 'must be base64' }],
    });
    const noPayloads = await post('/codec/encode', { items: [] });
    expect(noPayloads.statusCode).toBe(400);
    expect(noPayloads.json().issues[0].field).toBe('payloads');
    const notJson = await post('/codec/decode', '{"payloads":');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error).toBe('invalid_json');
  });

  it('answers 400 naming the payload it cannot decrypt', async () => {
    const other = loadConfig({
      ADMIN_TOKENS: 'codec-test-admin-token-0123',
      PAYLOAD_KEYS: `retired:${crypto.randomBytes(32).toString('base64')}`,
    });
    const elsewhere = Fastify();
    await elsewhere.register(codecRoutes({ config: other }));
    const [foreign] = (
      await elsewhere.inject({ method: 'POST', url: '/codec/encode', headers: auth, payload: { payloads: [lead] } })
    ).json().payloads;
    await elsewhere.close();

    const res = await post('/codec/decode', { payloads: [lead, foreign] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'undecodable_payload',
      issues: [{ field: 'payloads.1', problem: expect.stringContaining('key id "retired", which is not in PAYLOAD_KEYS') }],
    });
  });

  it('requires an admin token, and the CORS preflight does not', async () => {
    expect((await post('/codec/decode', { payloads: [lead] }, {})).statusCode).toBe(401);
    expect((await post('/codec/decode', { payloads: [lead] }, { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:8233');
  });
});
