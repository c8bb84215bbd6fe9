import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { bearerToken, cookieValue, matchAdminToken, requireAdmin, tokenId } from './auth.ts';

const tokens = ['first-admin-token-0123456789', 'second-admin-token-0123456789'];

describe('admin token helpers', () => {
  it('matches any configured token and nothing else', () => {
    expect(matchAdminToken(tokens, tokens[1]!)).toBe(tokens[1]);
    expect(matchAdminToken(tokens, 'first-admin-token-012345678')).toBeUndefined();
    expect(matchAdminToken(tokens, '')).toBeUndefined();
  });
  it('reads bearer tokens and cookies', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(cookieValue('a=1; nurture_admin=tok%20x; b=2', 'nurture_admin')).toBe('tok x');
    expect(cookieValue('a=1', 'nurture_admin')).toBeUndefined();
    expect(cookieValue('nurture_admin=%E0%A4%A', 'nurture_admin')).toBeUndefined();
  });
});

describe('requireAdmin hook', () => {
  const app = Fastify();
  app.register(async (admin) => {
    admin.addHook('onRequest', requireAdmin({ tokens, cookieName: 'nurture_admin' }));
    admin.get('/secret', async (req) => ({ who: req.adminTokenId }));
  });
  app.get('/open', async () => ({ ok: true }));
  afterAll(() => app.close());

  it('answers 401 JSON without or with a wrong token, and lets a valid one through', async () => {
    const none = await app.inject({ url: '/secret' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/Bearer/);
    expect(none.json()).toMatchObject({ error: 'unauthorized' });
    const wrong = await app.inject({ url: '/secret', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    const ok = await app.inject({ url: '/secret', headers: { authorization: `Bearer ${tokens[0]}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ who: tokenId(tokens[0]!) });
    const cookie = await app.inject({ url: '/secret', headers: { cookie: `nurture_admin=${tokens[1]}` } });
    expect(cookie.statusCode).toBe(200);
    expect((await app.inject({ url: '/open' })).statusCode).toBe(200);
  });
});
