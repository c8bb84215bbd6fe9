// Rate limits on the public endpoints (issue 11, item 8) and tokens kept out of request logs
// (item 10), on the real API server.
import http from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../app/services.ts';
import { loadConfig } from '../config/index.ts';
import { sealToken } from '../infra/tokens.ts';
import { startStack, type TestStack } from './support/stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({
    RATE_LIMIT_LINKS_PER_MINUTE: '6',
    RATE_LIMIT_LINK_TOKEN_PER_MINUTE: '3',
    RATE_LIMIT_WEBHOOKS_PER_MINUTE: '5',
    RATE_LIMIT_LOGIN_PER_MINUTE: '3',
    RATE_LIMIT_ADMIN_PER_MINUTE: '4',
  });
});
afterAll(async () => {
  await stack?.close();
});

/** A request from a chosen loopback source address (127.0.0.0/8 is all this machine's), so
 * one test can be several clients. */
function from(
  source: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(path, stack.api.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, localAddress: source },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

function expect429(res: { status: number; headers: http.IncomingHttpHeaders; body: string }) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  expect(JSON.parse(res.body)).toMatchObject({ error: 'rate_limited' });
}

const unsubscribeToken = (n: string) =>
  sealToken(stack.config.TRACKING_SECRET, { k: 'u', l: `lead-${n}`, e: `rl-${n}-${Date.now()}@example.com` });

describe('rate limits on the public endpoints', () => {
  it('links: per token across addresses, and per address across tokens; 429 with Retry-After', async () => {
    const token = unsubscribeToken('a');
    for (let i = 0; i < 3; i++) expect((await from('127.0.0.11', 'GET', `/u/${token}`)).status).toBe(200);
    // The same token from another address: the token's budget is spent.
    expect429(await from('127.0.0.12', 'GET', `/u/${token}`));

    // One address trying many tokens (valid or not, all count): the address's budget is spent.
    for (let i = 0; i < 6; i++) expect((await from('127.0.0.13', 'GET', `/t/c/not-a-token-${i}`)).status).toBe(404);
    expect429(await from('127.0.0.13', 'GET', `/u/${unsubscribeToken('b')}`));
    expect429(await from('127.0.0.13', 'POST', `/u/${unsubscribeToken('c')}`));
    // Another address is not affected.
    expect((await from('127.0.0.14', 'GET', `/u/${unsubscribeToken('d')}`)).status).toBe(200);
  });

  it('webhooks: per address, whatever the answer', async () => {
    for (let i = 0; i < 5; i++)
      expect((await from('127.0.0.21', 'POST', '/webhooks/signup', { 'content-type': 'application/json' }, '{}')).status).toBe(
        401,
      );
    expect429(await from('127.0.0.21', 'POST', '/webhooks/signup', { 'content-type': 'application/json' }, '{}'));
    expect((await from('127.0.0.22', 'POST', '/webhooks/signup', { 'content-type': 'application/json' }, '{}')).status).toBe(401);
  });

  it('dashboard login: sign-in attempts per address', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    for (let i = 0; i < 3; i++)
      expect((await from('127.0.0.31', 'POST', '/dashboard/login', form, 'token=wrong-token-0000000000')).status).toBeOneOf([
        401, 403,
      ]); // 403: an Origin check may refuse first
    expect429(await from('127.0.0.31', 'POST', '/dashboard/login', form, `token=${stack.config.ADMIN_TOKENS[0]}`));
  });

  it('admin API: per address and per bearer token', async () => {
    const auth = { authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` };
    for (let i = 0; i < 4; i++) expect((await from('127.0.0.41', 'GET', '/api/leads?limit=1', auth)).status).toBe(200);
    expect429(await from('127.0.0.41', 'GET', '/api/leads?limit=1', auth));
    // The same token from a new address is still over its budget.
    expect429(await from('127.0.0.42', 'GET', '/api/leads?limit=1', auth));
    // Unauthenticated guesses spend the address's budget too.
    for (let i = 0; i < 4; i++)
      expect((await from('127.0.0.43', 'GET', '/api/leads', { authorization: `Bearer guess-${i}` })).status).toBe(401);
    expect429(await from('127.0.0.43', 'GET', '/api/leads', auth));
  });

  it('other paths (health, dashboard pages) are not limited', async () => {
    for (let i = 0; i < 20; i++) expect((await from('127.0.0.51', 'GET', '/healthz')).status).toBe(200);
  });
});

describe('request logs', () => {
  let api: RunningApi;
  const lines: string[] = [];
  beforeAll(async () => {
    const config = loadConfig({
      ...Object.fromEntries(Object.entries(stack.config).filter(([, v]) => typeof v === 'string')),
      TRACKING_SECRET: stack.config.TRACKING_SECRET.join(','),
      WEBHOOK_SECRET: stack.config.WEBHOOK_SECRET.join(','),
      ADMIN_TOKENS: stack.config.ADMIN_TOKENS.join(','),
      LOG_LEVEL: 'info',
      RATE_LIMIT_LINKS_PER_MINUTE: '0',
      RATE_LIMIT_LINK_TOKEN_PER_MINUTE: '0',
    } as NodeJS.ProcessEnv);
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    api = await startApi(config, { db: stack.db, port: 0, logStream: sink });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('record /u/, /t/o/ and /t/c/ paths with the token redacted, and token query values too', async () => {
    const secret = stack.config.TRACKING_SECRET;
    const u = sealToken(secret, { k: 'u', l: 'lead-log', e: 'log-reader@example.com' });
    const o = sealToken(secret, { k: 'o', m: 'journey/log/x#welcome' });
    const c = sealToken(secret, { k: 'c', m: 'journey/log/x#welcome', u: 'https://example.com/landing' });
    const secrets = [u, o, c, 'query-token-value-123456', 'access-token-value-654321'];
    const get = (path: string) => fetch(`${api.url}${path}`, { redirect: 'manual' });
    expect((await get(`/u/${u}`)).status).toBe(200);
    expect((await get(`/u/${u}?preferences=1`)).status).toBe(200);
    expect(
      (await fetch(`${api.url}/u/${u}`, { method: 'POST', body: 'x=1', headers: { 'content-type': 'text/plain' } })).status,
    ).toBe(200);
    expect((await get(`/t/o/${o}`)).status).toBe(200);
    expect((await get(`/t/c/${c}`)).status).toBe(302);
    expect((await get(`/t/c/${c}/extra`)).status).toBe(404);
    expect((await get(`/u/${u.slice(0, -2)}%zz`)).status).toBeGreaterThanOrEqual(400);
    expect((await get(`/api/leads?token=query-token-value-123456&access_token=access-token-value-654321`)).status).toBe(401);

    // Every request has been answered; wait for the log lines of the last ones (the malformed URL
    // is answered by the router without a "request completed" line: 7 such lines for 8 requests).
    await expect.poll(() => lines.filter((l) => l.includes('"res"')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(7);
    await expect.poll(() => lines.some((l) => l.includes('access_token=[redacted]')), { timeout: 10_000 }).toBe(true);
    const log = lines.join('\n');
    for (const s of secrets) expect(log).not.toContain(s);
    // The last 20 characters of each token (any fragment would do) are nowhere either.
    for (const s of [u, o, c]) expect(log).not.toContain(s.slice(-20));
    expect(log).toContain('"url":"/u/[redacted]"');
    expect(log).toContain('"url":"/u/[redacted]?preferences=1"');
    expect(log).toContain('"url":"/t/o/[redacted]"');
    expect(log).toContain('"url":"/t/c/[redacted]"');
    expect(log).toContain('token=[redacted]&access_token=[redacted]');
  });
});
