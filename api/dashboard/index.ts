// The dashboard for marketers and sales, and its JSON (same paths + `.json`, plus
// GET /api/funnel). Server-rendered HTML, styles and the little script inline: no CDN, no
// build step. Every route here needs an admin token, as a bearer header or as the session
// cookie that /dashboard/login sets (a server-side session, session.ts). Headers, CSP nonce and
// the cross-site check for every path under /dashboard: security.ts, registered in server.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { matchAdminToken } from '../auth.ts';
import type { RouteDeps } from '../deps.ts';
import { actionRoutes } from './actions.ts';
import { campaignPages } from './campaign.ts';
import { engagementPages } from './engagement.ts';
import { funnelApiRoutes, funnelPages } from './funnel.ts';
import { html, page } from './html.ts';
import { leadPages } from './lead.ts';
import { safeDashboardPath } from './redirect.ts';
import { nonceOf } from './security.ts';
import { clearSessionCookie, createSession, endSession, identify, setSessionCookie } from './session.ts';
import { LoginThrottle } from './throttle.ts';
import { stalledPages } from './stalled.ts';
import { templatePages } from './templates.ts';
import { wantsJson } from './view.ts';

const loginBody = z.object({
  token: z.string().min(1, 'is required').max(1000),
  name: z.string().trim().min(1, 'is required: it is recorded with what you do').max(100),
  next: z.string().optional(),
});

/** Where a sign-in lands when `next` is missing or not one of our pages (redirect.ts). */
const AFTER_LOGIN = '/dashboard/funnel';

function loginPage(nonce: string, next: string, error?: string): string {
  return page({
    title: 'Sign in',
    nonce,
    body: html`<h1>Sign in</h1>
      <form class="card login" method="post" action="/dashboard/login">
        ${error ? html`<p class="flash error" role="alert">${error}</p>` : ''}
        <input type="hidden" name="next" value="${next}">
        <label>Your name or email (recorded with the changes you make)<input name="name" autocomplete="username" required></label>
        <p><label>Admin token<input name="token" type="password" autocomplete="current-password" required></label></p>
        <button>Sign in</button>
      </form>`,
  });
}

export function dashboardRoutes(deps: RouteDeps) {
  const secureCookie = deps.config.PUBLIC_URL.startsWith('https:');
  const throttle = new LoginThrottle();

  return async (app: FastifyInstance) => {
    // HTML forms post urlencoded; only this plugin (encapsulated) parses them.
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );

    app.get('/dashboard/login', async (req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(loginPage(nonceOf(req), safeDashboardPath((req.query as { next?: string }).next, AFTER_LOGIN))),
    );
    app.post('/dashboard/login', async (req, reply) => {
      const next = safeDashboardPath((req.body as { next?: string } | undefined)?.next, AFTER_LOGIN);
      const page = (code: number, message: string) =>
        reply
          .code(code)
          .type('text/html; charset=utf-8')
          .send(loginPage(nonceOf(req), next, message));
      // Throttled addresses are refused before the token is even looked at.
      const wait = throttle.retryAfter(req.ip);
      if (wait > 0) {
        req.log.warn({ ip: req.ip }, 'dashboard login throttled');
        void reply.header('retry-after', String(wait));
        return page(
          429,
          `Too many failed sign-ins from your address (${throttle.limit} within ${throttle.windowMs / 60_000} minutes). Try again in ${Math.ceil(wait / 60)} minute(s).`,
        );
      }
      const parsed = loginBody.safeParse(req.body ?? {});
      if (!parsed.success) return page(401, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const token = matchAdminToken(deps.config.ADMIN_TOKENS, parsed.data.token);
      if (!token) {
        throttle.fail(req.ip);
        return page(401, 'That admin token is not valid.');
      }
      throttle.succeed(req.ip);
      setSessionCookie(reply, await createSession(deps.db, token, parsed.data.name), secureCookie);
      return reply.code(303).header('location', next).send();
    });
    app.post('/dashboard/logout', async (req, reply) => {
      await endSession(req, deps.db);
      clearSessionCookie(reply, secureCookie);
      return reply.code(303).header('location', '/dashboard/login').send();
    });

    await app.register(async (secured) => {
      secured.addHook('onRequest', async (req, reply) => {
        const viewer = await identify(req, deps.db, deps.config.ADMIN_TOKENS);
        if (viewer) {
          req.viewer = viewer;
          return;
        }
        if (req.method === 'GET' && !wantsJson(req) && !req.url.startsWith('/api/')) {
          return reply
            .code(303)
            .header('location', `/dashboard/login?next=${encodeURIComponent(req.url)}`)
            .send();
        }
        void reply.header('www-authenticate', 'Bearer realm="nurture"');
        return reply
          .code(401)
          .send({ error: 'unauthorized', message: 'an admin bearer token or a dashboard session is required' });
      });
      funnelPages(secured, deps);
      stalledPages(secured, deps);
      leadPages(secured, deps);
      templatePages(secured, deps);
      campaignPages(secured, deps);
      engagementPages(secured, deps);
      actionRoutes(secured, deps);
      await secured.register(funnelApiRoutes(deps));
    });
  };
}
