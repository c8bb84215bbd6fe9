// Turns one step into the message handed to SMTP: the render context (the lead, links,
// sender) and the headers every marketing email carries.
import type { SendMailOptions } from 'nodemailer';
import type { Config } from '../../config/index.ts';
import type { Catalog, RenderContext } from '../../email/index.ts';
import type { Lead } from '../../generated/prisma/client.ts';
import { sealToken } from '../../infra/tokens.ts';

export interface ComposeInput {
  lead: Lead;
  idempotencyKey: string;
  messageId: string;
  campaignId: string;
  templateId: string;
  discount?: RenderContext['discount'];
}

export type ComposeConfig = Pick<
  Config,
  'MAIL_FROM' | 'MAIL_POSTAL_ADDRESS' | 'MAIL_UNSUBSCRIBE_MAILTO' | 'PUBLIC_URL' | 'TRACKING_SECRET'
>;

export interface ComposedMessage {
  subject: string;
  mail: SendMailOptions;
  unsubscribeUrl: string;
}

export function composer(config: ComposeConfig, catalog: Catalog) {
  const senderName = /^\s*"?(.*?)"?\s*</.exec(config.MAIL_FROM)?.[1] || 'Nurture';
  const publicUrl = config.PUBLIC_URL.replace(/\/+$/, '');

  return function compose(input: ComposeInput): ComposedMessage {
    const { lead, idempotencyKey } = input;
    // One opaque, signed token per recipient: the body link, the one-click POST and the
    // mailto subject all carry it, so any of them unsubscribes exactly this lead.
    const token = sealToken(config.TRACKING_SECRET, { k: 'u', l: lead.id, e: lead.email });
    const unsubscribeUrl = `${publicUrl}/u/${token}`;
    const rendered = catalog.render(input.templateId, {
      lead: {
        id: lead.id,
        email: lead.email,
        firstName: lead.firstName ?? undefined,
        lastName: lead.lastName ?? undefined,
        company: lead.company ?? undefined,
        timezone: lead.timezone ?? undefined,
        properties: (lead.properties ?? {}) as Record<string, string | number | boolean>,
      },
      campaign: { id: input.campaignId },
      discount: input.discount,
      links: {
        unsubscribe: unsubscribeUrl,
        preferences: `${unsubscribeUrl}?preferences=1`,
        openPixel: `${publicUrl}/t/o/${sealToken(config.TRACKING_SECRET, { k: 'o', m: idempotencyKey })}`,
      },
      track: (url) => `${publicUrl}/t/c/${sealToken(config.TRACKING_SECRET, { k: 'c', m: idempotencyKey, u: url })}`,
      sender: { name: senderName, postalAddress: config.MAIL_POSTAL_ADDRESS },
      publicUrl,
    });

    const unsubscribeTargets = [unsubscribeUrl];
    if (config.MAIL_UNSUBSCRIBE_MAILTO) {
      unsubscribeTargets.push(`mailto:${config.MAIL_UNSUBSCRIBE_MAILTO}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`);
    }
    return {
      subject: rendered.subject,
      unsubscribeUrl,
      mail: {
        from: config.MAIL_FROM,
        to: lead.email,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        messageId: input.messageId,
        headers: {
          'X-Nurture-Step': idempotencyKey,
          // RFC 8058: a receiver may POST "List-Unsubscribe=One-Click" to the https URL.
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
        // The nested array makes nodemailer write ONE List-Unsubscribe header listing both
        // targets (a flat array would write one header per target).
        list: { unsubscribe: [unsubscribeTargets] },
      },
    };
  };
}
