// Open pixel and click redirect. Tokens are minted by the send activity and carry the sent
// message's idempotency key (`<workflowId>#<stepKey>`): the sent_messages row names the lead,
// campaign and template. Recording is best effort and never stands between the reader and
// the pixel or the link: a database or Temporal failure is logged and the pixel/redirect
// is still served (the event is then not recorded, so a reload can record it later).
//
// Event ids: an open is `open:<message key>` and a click `click:<message key>:<hash of URL>`,
// so a message counts one open and one click per link however often it is reloaded.
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consentRefused } from '../core/consent.ts';
import { openToken } from '../infra/tokens.ts';
import { recordEngagement } from './engagement.ts';
import { sendError } from './errors.ts';
import type { RouteDeps } from './deps.ts';

// The smallest transparent GIF (1x1, 43 bytes).
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const NO_CACHE = {
  'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
  pragma: 'no-cache',
  expires: '0',
};

/** Only web links are redirected to; anything else minted by mistake is not followed. */
export function safeRedirectTarget(url: string): string | undefined {
  try {
    const u = new URL(url);
    // href, not the raw string: non-ASCII is encoded, so it is always a valid Location header.
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

export const openEventId = (messageKey: string) => `open:${messageKey}`;
export const clickEventId = (messageKey: string, url: string) =>
  `click:${messageKey}:${crypto.createHash('sha256').update(url).digest('hex').slice(0, 16)}`;

export function trackingRoutes({ config, db, temporal }: RouteDeps) {
  async function record(
    req: FastifyRequest,
    messageKey: string,
    type: 'open' | 'click',
    eventId: string,
    extra: Record<string, unknown>,
  ) {
    try {
      const message = await db.sentMessage.findUnique({
        where: { idempotencyKey: messageKey },
        select: { leadId: true, campaignId: true, templateId: true, stepKey: true, lead: { select: { consent: true } } },
      });
      if (!message || consentRefused(message.lead.consent)) return;
      await recordEngagement(
        { db, temporal },
        {
          eventId,
          leadId: message.leadId,
          type,
          occurredAt: new Date().toISOString(),
          data: { ...extra, stepKey: message.stepKey, templateId: message.templateId },
          campaignId: message.campaignId,
          templateId: message.templateId,
        },
      );
    } catch (err) {
      req.log.warn({ err, type, messageKey }, 'tracking event not recorded');
    }
  }

  function notFound(reply: FastifyReply) {
    return sendError(reply.headers(NO_CACHE), 404, 'not_found', 'unknown or invalid link');
  }

  return async (app: FastifyInstance) => {
    // No HEAD twins: link scanners that probe with HEAD must not count as opens or clicks.
    app.get<{ Params: { token: string } }>('/t/o/:token', { exposeHeadRoute: false }, async (req, reply) => {
      const token = openToken(config.TRACKING_SECRET, req.params.token, 'o');
      if (!token) return notFound(reply);
      await record(req, token.m, 'open', openEventId(token.m), {});
      return reply.code(200).headers(NO_CACHE).type('image/gif').send(PIXEL_GIF);
    });

    app.get<{ Params: { token: string } }>('/t/c/:token', { exposeHeadRoute: false }, async (req, reply) => {
      const token = openToken(config.TRACKING_SECRET, req.params.token, 'c');
      const target = token && safeRedirectTarget(token.u);
      if (!token || !target) return notFound(reply);
      await record(req, token.m, 'click', clickEventId(token.m, token.u), { link: token.u });
      // The token's URL only: query parameters on the tracking link are ignored.
      return reply.headers({ ...NO_CACHE, 'referrer-policy': 'no-referrer' }).redirect(target, 302);
    });
  };
}
