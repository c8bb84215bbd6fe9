// Rate limits on the endpoints anyone can reach: tracking and unsubscribe links, the webhooks,
// the dashboard login and the admin API. Each group has a budget per client address and, where a
// request carries a capability (a link token, an admin bearer token or session), one per
// capability too, so neither one address trying many tokens nor many addresses hammering one
// token gets far. Over budget: 429 with Retry-After (seconds until the window resets), JSON body.
// Counted in this process's memory (@fastify/rate-limit's LRU store, bounded): with several API
// processes each counts its own. A budget of 0 turns the limit off.
import crypto from 'node:crypto';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.ts';
import { sendError } from './errors.ts';

export type RateLimitConfig = Pick<
  Config,
  | 'RATE_LIMIT_LINKS_PER_MINUTE'
  | 'RATE_LIMIT_LINK_TOKEN_PER_MINUTE'
  | 'RATE_LIMIT_WEBHOOKS_PER_MINUTE'
  | 'RATE_LIMIT_LOGIN_PER_MINUTE'
  | 'RATE_LIMIT_ADMIN_PER_MINUTE'
>;

type Group = 'links' | 'webhooks' | 'login' | 'admin';

const LINK_TOKEN = /^\/(?:u|t\/o|t\/c)\/([^/?#]+)/;

/** Which budget a request spends, by path (before routing: 404s count too). */
export function rateLimitGroup(method: string, url: string): Group | undefined {
  const path = url.split('?')[0]!;
  if (LINK_TOKEN.test(path)) return 'links';
  if (path.startsWith('/webhooks/')) return 'webhooks';
  if (path === '/dashboard/login' && method === 'POST') return 'login';
  if (path.startsWith('/api/')) return 'admin';
  return undefined;
}

const fingerprint = (s: string) => crypto.createHash('sha256').update(s).digest('base64url').slice(0, 22);

/** The capability a request carries, fingerprinted (never kept in memory as is). */
function capabilityOf(group: Group, req: FastifyRequest): string | undefined {
  if (group === 'links') {
    const token = LINK_TOKEN.exec(req.url.split('?')[0]!)?.[1];
    return token ? fingerprint(token) : undefined;
  }
  if (group === 'admin') {
    const auth = req.headers.authorization ?? req.headers.cookie;
    return auth ? fingerprint(auth) : undefined;
  }
  return undefined;
}

const WINDOW_MS = 60_000;

type Check = (req: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }>;

export async function registerRateLimits(app: FastifyInstance, config: RateLimitConfig): Promise<void> {
  // Not global: our own hook picks the budgets, so one request can spend two (address, token).
  await app.register(rateLimit, { global: false });
  const limiter = (max: number, key: (req: FastifyRequest) => string): Check | undefined =>
    max > 0 ? app.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: key }) : undefined;
  const byAddress = (group: Group) => (req: FastifyRequest) => `${group}:ip:${normalizeIP(req.ip)}`;
  const byCapability = (group: Group) => (req: FastifyRequest) => `${group}:cap:${capabilityOf(group, req)}`;
  const checks: Record<Group, Array<{ check: Check | undefined; needsCapability: boolean }>> = {
    links: [
      { check: limiter(config.RATE_LIMIT_LINKS_PER_MINUTE, byAddress('links')), needsCapability: false },
      { check: limiter(config.RATE_LIMIT_LINK_TOKEN_PER_MINUTE, byCapability('links')), needsCapability: true },
    ],
    webhooks: [{ check: limiter(config.RATE_LIMIT_WEBHOOKS_PER_MINUTE, byAddress('webhooks')), needsCapability: false }],
    login: [{ check: limiter(config.RATE_LIMIT_LOGIN_PER_MINUTE, byAddress('login')), needsCapability: false }],
    admin: [
      { check: limiter(config.RATE_LIMIT_ADMIN_PER_MINUTE, byAddress('admin')), needsCapability: false },
      { check: limiter(config.RATE_LIMIT_ADMIN_PER_MINUTE, byCapability('admin')), needsCapability: true },
    ],
  };

  app.addHook('onRequest', async (req, reply) => {
    const group = rateLimitGroup(req.method, req.url);
    if (!group) return;
    const hasCapability = capabilityOf(group, req) !== undefined;
    for (const { check, needsCapability } of checks[group]) {
      if (!check || (needsCapability && !hasCapability)) continue;
      const result = await check(req);
      if (!result.isAllowed && result.isExceeded) {
        const seconds = Math.max(1, result.ttlInSeconds ?? 1);
        void reply.header('retry-after', String(seconds));
        return sendError(reply, 429, 'rate_limited', `too many requests; retry in ${seconds}s`);
      }
    }
  });
}
