// Unsubscribe links, `/u/<token>` (minted by the send activity, also in List-Unsubscribe).
// GET only shows a page: mail scanners follow links, so a GET never unsubscribes. POST
// unsubscribes at once (RFC 8058 one-click: no login, no cookie, no confirmation step) and is
// idempotent. The suppression row is what stops the mail (every send checks it), so it is
// committed first and on its own; then an `unsubscribe` event is recorded and the lead's
// journeys are signalled to exit. If Temporal is unreachable at that moment the reader is
// still unsubscribed (no more mail), the event is not kept, and a repeated POST signals.
// The withdrawal is also the lead's consent history (api/consent.ts). Links minted before
// addresses were lower-cased carry the old spelling: it is normalised on the way in.
import type { FastifyInstance } from 'fastify';
import { normalizeEmail } from '../core/rules/email.ts';
import { openToken } from '../infra/tokens.ts';
import { recordConsent, senderName } from './consent.ts';
import { recordEngagement } from './engagement.ts';
import { RETRY_AFTER_SECONDS } from './errors.ts';
import {
  acceptAnyBody,
  sendPage,
  confirmUnsubscribePage,
  errorPage,
  invalidLinkPage,
  preferencesPage,
  unsubscribedPage,
} from './pages.ts';
import type { RouteDeps } from './deps.ts';
import { isLeadId } from '../core/rules/lead-id.ts';

/** How the unsubscribe arrived, from the POST body (kept on the event and the suppression). */
export function unsubscribeMethod(body: unknown): 'one-click' | 'page' | 'post' {
  const text = typeof body === 'string' ? body : '';
  const form = new URLSearchParams(text);
  if (form.get('List-Unsubscribe') === 'One-Click') return 'one-click';
  if (form.has('confirm')) return 'page';
  return 'post';
}

export function unsubscribeRoutes({ config, db, temporal }: RouteDeps) {
  const sender = senderName(config.MAIL_FROM);

  return async (app: FastifyInstance) => {
    acceptAnyBody(app);

    app.get<{ Params: { token: string }; Querystring: { preferences?: string } }>('/u/:token', async (req, reply) => {
      const token = openToken(config.TRACKING_SECRET, req.params.token, 'u');
      if (!token) return sendPage(reply, 404, invalidLinkPage());
      const email = normalizeEmail(token.e);
      const suppressed = await db.suppression.findUnique({ where: { email }, select: { reason: true } });
      if (req.query.preferences !== undefined)
        return sendPage(reply, 200, preferencesPage({ email, sender, subscribed: !suppressed }));
      if (suppressed) return sendPage(reply, 200, unsubscribedPage({ email, sender }));
      return sendPage(reply, 200, confirmUnsubscribePage({ email, sender }));
    });

    app.post<{ Params: { token: string } }>('/u/:token', { bodyLimit: 8 * 1024 }, async (req, reply) => {
      const token = openToken(config.TRACKING_SECRET, req.params.token, 'u');
      if (!token) return sendPage(reply, 404, invalidLinkPage());
      const email = normalizeEmail(token.e);
      const method = unsubscribeMethod(req.body);

      let suppressedAt: Date;
      try {
        await db.suppression.createMany({
          data: [{ email, reason: 'unsubscribed', detail: method }],
          skipDuplicates: true,
        });
        const row = await db.suppression.findUniqueOrThrow({ where: { email } });
        suppressedAt = row.createdAt;
      } catch (err) {
        req.log.error({ err }, 'unsubscribe could not be recorded');
        return sendPage(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, errorPage());
      }

      const lead = isLeadId(token.l)
        ? await db.lead.findUnique({ where: { id: token.l }, select: { id: true } }).catch(() => null)
        : null;
      if (lead) {
        await recordConsent(db, lead.id, { given: false, method: `unsubscribe (${method})` }, 'unsubscribe').catch(
          (err: unknown) => req.log.error({ err, leadId: lead.id }, 'unsubscribed, but the consent history could not be written'),
        );
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
              data: { method, email },
            },
          );
        } catch (err) {
          req.log.error({ err, leadId: lead.id }, 'unsubscribed, but the journeys could not be told yet');
        }
      }
      return sendPage(reply, 200, unsubscribedPage({ email, sender }));
    });
  };
}
