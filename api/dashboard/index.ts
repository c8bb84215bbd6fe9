// The dashboard for marketers and sales, and its JSON (same paths + `.json`, plus
// GET /api/funnel). Server-rendered HTML, styles and the little script inline: no CDN, no
// build step. Every route here needs an admin token, as a bearer header or as the session
// cookie that /dashboard/login sets.
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
import { clearSessionCookie, identify, setSessionCookie, signSession } from './session.ts';
import { stalledPages } from './stalled.ts';
import { templatePages } from './templates.ts';
import { wantsJson } from './view.ts';

const loginBody = z.object({
  token: z.string().min(1, 'is required').max(1000),
  name: z.string().trim().min(1, 'is required: it is recorded with what you do').max(100),
  next: z.string().optional(),
});

/** Only our own pages as a post-login destination (no open redirect). */
const safeNext = (next: unknown) =>
  typeof next === 'string' && /^\/dashboard(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : '/dashboard/funnel';

function loginPage(next: string, error?: string): string {
  return page({
    title: 'Sign in',
    body: html`<h1>Sign in</h1>
      <form class="card" method="post" action="/dashboard/login" style="max-width:420px">
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
      reply.type('text/html; charset=utf-8').send(loginPage(safeNext((req.query as { next?: string }).next))),
    );
    app.post('/dashboard/login', async (req, reply) => {
      const parsed = loginBody.safeParse(req.body ?? {});
      const next = safeNext((req.body as { next?: string } | undefined)?.next);
      const fail = (message: string) => reply.code(401).type('text/html; charset=utf-8').send(loginPage(next, message));
      if (!parsed.success) return fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const token = matchAdminToken(deps.config.ADMIN_TOKENS, parsed.data.token);
      if (!token) return fail('That admin token is not valid.');
      setSessionCookie(reply, signSession(token, parsed.data.name), secureCookie);
      return reply.code(303).header('location', next).send();
    });
    app.post('/dashboard/logout', async (_req, reply) => {
      clearSessionCookie(reply);
      return reply.code(303).header('location', '/dashboard/login').send();
    });

    await app.register(async (secured) => {
      secured.addHook('onRequest', async (req, reply) => {
        const viewer = identify(req, deps.config.ADMIN_TOKENS);
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
