// Double opt-in links, `/confirm/<token>` (sent by api/consent.ts when someone asks to
// subscribe an address its owner unsubscribed). As with unsubscribe links, a GET only shows a
// page (mail scanners follow links); the person's POST confirms.
import type { FastifyInstance } from 'fastify';
import { openToken } from '../infra/tokens.ts';
import { confirmSubscription, senderName } from './consent.ts';
import { RETRY_AFTER_SECONDS, isRetryable } from './errors.ts';
import {
  acceptAnyBody,
  sendPage,
  confirmSubscriptionPage,
  errorPage,
  expiredLinkPage,
  invalidLinkPage,
  subscribedPage,
} from './pages.ts';
import type { RouteDeps } from './deps.ts';

export function confirmationRoutes(deps: RouteDeps) {
  const { config, db } = deps;
  const sender = senderName(config.MAIL_FROM);

  return async (app: FastifyInstance) => {
    acceptAnyBody(app);

    app.get<{ Params: { token: string } }>('/confirm/:token', async (req, reply) => {
      const token = openToken(config.TRACKING_SECRET, req.params.token, 's');
      const row = token
        ? await db.subscriptionConfirmation.findUnique({ where: { id: token.i }, include: { lead: { select: { email: true } } } })
        : null;
      if (!row) return sendPage(reply, 404, invalidLinkPage());
      if (row.confirmedAt) return sendPage(reply, 200, subscribedPage({ email: row.lead.email, sender }));
      if (row.expiresAt.getTime() < Date.now()) return sendPage(reply, 410, expiredLinkPage());
      return sendPage(reply, 200, confirmSubscriptionPage({ email: row.lead.email, sender }));
    });

    app.post<{ Params: { token: string } }>('/confirm/:token', { bodyLimit: 8 * 1024 }, async (req, reply) => {
      const token = openToken(config.TRACKING_SECRET, req.params.token, 's');
      if (!token) return sendPage(reply, 404, invalidLinkPage());
      try {
        const result = await confirmSubscription(deps, token.i);
        if (result.status === 'invalid') return sendPage(reply, 404, invalidLinkPage());
        if (result.status === 'expired') return sendPage(reply, 410, expiredLinkPage());
        return sendPage(reply, 200, subscribedPage({ email: result.email, sender }));
      } catch (err) {
        if (!isRetryable(err)) throw err;
        // Confirmed in PostgreSQL but the journey could not start yet: pressing again finishes it.
        req.log.error({ err }, 'subscription confirmed, the journey could not be started yet');
        return sendPage(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, errorPage());
      }
    });
  };
}
