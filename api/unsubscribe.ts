// Unsubscribe links, `/u/<token>` (minted by the send activity, also in List-Unsubscribe).
// GET only shows a page: mail scanners follow links, so a GET never unsubscribes. POST
// unsubscribes at once (RFC 8058 one-click: no login, no cookie, no confirmation step) and is
// idempotent. The suppression row is what stops the mail (every send checks it), so it is
// committed first and on its own; then an `unsubscribe` event is recorded and the lead's
// journeys are signalled to exit. If Temporal is unreachable at that moment the reader is
// still unsubscribed (no more mail), the event is not kept, and a repeated POST signals.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { openToken } from '../infra/tokens.ts';
import { recordEngagement } from './engagement.ts';
import { RETRY_AFTER_SECONDS } from './errors.ts';
import { PAGE_HEADERS, confirmUnsubscribePage, errorPage, invalidLinkPage, preferencesPage, unsubscribedPage } from './pages.ts';
import type { RouteDeps } from './server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How the unsubscribe arrived, from the POST body (kept on the event and the suppression). */
export function unsubscribeMethod(body: unknown): 'one-click' | 'page' | 'post' {
  const text = typeof body === 'string' ? body : '';
  const form = new URLSearchParams(text);
  if (form.get('List-Unsubscribe') === 'One-Click') return 'one-click';
  if (form.has('confirm')) return 'page';
  return 'post';
}

export function unsubscribeRoutes({ config, db, temporal }: RouteDeps) {
  const sender = /^(.*?)\s*</.exec(config.MAIL_FROM)?.[1] || 'us';

  function html(reply: FastifyReply, status: number, body: string) {
    return reply.code(status).headers(PAGE_HEADERS).send(body);
  }

  return async (app: FastifyInstance) => {
    // Any body type (one-click senders use form encoding or multipart); it is only read for
    // the method, never needed.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    app.get<{ Params: { token: string }; Querystring: { preferences?: string } }>('/u/:token', async (req, reply) => {
      const token = openToken(config.TRACKING_SECRET, req.params.token, 'u');
      if (!token) return html(reply, 404, invalidLinkPage());
      const suppressed = await db.suppression.findUnique({ where: { email: token.e }, select: { reason: true } });
      if (req.query.preferences !== undefined)
        return html(reply, 200, preferencesPage({ email: token.e, sender, subscribed: !suppressed }));
      if (suppressed) return html(reply, 200, unsubscribedPage({ email: token.e, sender }));
      return html(reply, 200, confirmUnsubscribePage({ email: token.e, sender }));
    });

    app.post<{ Params: { token: string } }>('/u/:token', { bodyLimit: 8 * 1024 }, async (req, reply) => {
      const token = openToken(config.TRACKING_SECRET, req.params.token, 'u');
      if (!token) return html(reply, 404, invalidLinkPage());
      const method = unsubscribeMethod(req.body);

      let suppressedAt: Date;
      try {
        await db.suppression.createMany({
          data: [{ email: token.e, reason: 'unsubscribed', detail: method }],
          skipDuplicates: true,
        });
        const row = await db.suppression.findUniqueOrThrow({ where: { email: token.e } });
        suppressedAt = row.createdAt;
      } catch (err) {
        req.log.error({ err }, 'unsubscribe could not be recorded');
        return html(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, errorPage());
      }

      const lead = UUID.test(token.l)
        ? await db.lead.findUnique({ where: { id: token.l }, select: { id: true } }).catch(() => null)
        : null;
      if (lead) {
        try {
          // One event per suppression: repeats of this POST are duplicates, but after a
          // re-subscribe (suppression lifted) a new unsubscribe is a new event.
          await recordEngagement(
            { db, temporal },
            {
              eventId: `unsubscribe:${lead.id}:${suppressedAt.getTime()}`,
              leadId: lead.id,
              type: 'unsubscribe',
              occurredAt: new Date().toISOString(),
              data: { method, email: token.e },
            },
          );
        } catch (err) {
          req.log.error({ err, leadId: lead.id }, 'unsubscribed, but the journeys could not be told yet');
        }
      }
      return html(reply, 200, unsubscribedPage({ email: token.e, sender }));
    });
  };
}
