// Double opt-in links, `/confirm/<token>` (sent by api/consent.ts when someone asks to
// subscribe an address its owner unsubscribed). As with unsubscribe links, a GET only shows a
// page (mail scanners follow links); the person's POST confirms.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { openToken } from '../infra/tokens.ts';
import { confirmSubscription, senderName } from './consent.ts';
import { RETRY_AFTER_SECONDS, isRetryable } from './errors.ts';
import { PAGE_HEADERS, confirmSubscriptionPage, errorPage, expiredLinkPage, invalidLinkPage, subscribedPage } from './pages.ts';
import type { RouteDeps } from './deps.ts';

export function confirmationRoutes(deps: RouteDeps) {
  const { config, db } = deps;
  const sender = senderName(config.MAIL_FROM);

  function html(reply: FastifyReply, status: number, body: string) {
    return reply.code(status).headers(PAGE_HEADERS).send(body);
  }

  return async (app: FastifyInstance) => {
    // The page's form posts an empty form body; nothing in it is needed.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    app.get<{ Params: { token: string } }>('/confirm/:token', async (req, reply) => {
      const token = openToken(config.TRACKING_SECRET, req.params.token, 's');
      const row = token
        ? await db.subscriptionConfirmation.findUnique({ where: { id: token.i }, include: { lead: { select: { email: true } } } })
        : null;
      if (!row) return html(reply, 404, invalidLinkPage());
      if (row.confirmedAt) return html(reply, 200, subscribedPage({ email: row.lead.email, sender }));
      if (row.expiresAt.getTime() < Date.now()) return html(reply, 410, expiredLinkPage());
      return html(reply, 200, confirmSubscriptionPage({ email: row.lead.email, sender }));
    });

    app.post<{ Params: { token: string } }>('/confirm/:token', { bodyLimit: 8 * 1024 }, async (req, reply) => {
      const token = openToken(config.TRACKING_SECRET, req.params.token, 's');
      if (!token) return html(reply, 404, invalidLinkPage());
      try {
        const result = await confirmSubscription(deps, token.i);
        if (result.status === 'invalid') return html(reply, 404, invalidLinkPage());
        if (result.status === 'expired') return html(reply, 410, expiredLinkPage());
        return html(reply, 200, subscribedPage({ email: result.email, sender }));
      } catch (err) {
        if (!isRetryable(err)) throw err;
        // Confirmed in PostgreSQL but the journey could not start yet: pressing again finishes it.
        req.log.error({ err }, 'subscription confirmed, the journey could not be started yet');
        return html(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, errorPage());
      }
    });
  };
}
