// Outgoing mail through nodemailer over pooled SMTP (any server: SMTP_URL), DKIM-signed when
// configured.
import crypto from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config/index.ts';
import { isLoopbackHost } from '../core/rules/loopback.ts';
import { dkimOptions, dkimSigningStream, type DkimConfig } from './dkim.ts';

export type Mailer = Transporter;

export type MailerConfig = Pick<Config, 'SMTP_URL' | 'SMTP_MAX_CONNECTIONS' | 'SMTP_RATE_PER_SECOND'> & DkimConfig;

export function createMailer(config: MailerConfig): Mailer {
  const url = new URL(config.SMTP_URL);
  const dkim = dkimOptions(config);
  const secure = url.protocol === 'smtps:';
  const loopback = isLoopbackHost(url.hostname);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    pool: true,
    maxConnections: config.SMTP_MAX_CONNECTIONS,
    // At most SMTP_RATE_PER_SECOND messages per second across the pool.
    rateDelta: 1000,
    rateLimit: config.SMTP_RATE_PER_SECOND,
    // nodemailer's defaults (2 min to connect, 10 min socket idle) would let one send outlive
    // the activity's start-to-close timeout by far. (The send's claim lease does not depend on
    // these: the attempt renews it while it waits, activities/email/claim.ts.)
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    // Off this machine, credentials and mail never travel in clear: smtp:// must upgrade with
    // STARTTLS before AUTH or the send fails (smtps:// is TLS from the start). Only a server on
    // loopback (the development inbox) may speak plain SMTP.
    requireTLS: !secure && !loopback,
    ignoreTLS: loopback,
  });
  // Our own DKIM signer (infra/dkim.ts): it oversigns, nodemailer's does not.
  if (dkim) {
    const sign = dkimSigningStream(dkim);
    transport.use('stream', (mail, done) => {
      mail.message.processFunc(sign);
      done();
    });
  }
  return transport;
}

/** The same idempotency key always yields the same Message-ID, so a resend is recognisable. */
export function messageIdFor(idempotencyKey: string, mailFrom: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'nurture.localhost';
  const hash = crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  return `<${hash}@${domain}>`;
}
