// Outgoing mail through nodemailer over pooled SMTP (any server: SMTP_URL).
import crypto from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config/index.ts';

export type Mailer = Transporter;

export function createMailer(config: Pick<Config, 'SMTP_URL' | 'SMTP_MAX_CONNECTIONS' | 'SMTP_RATE_PER_SECOND'>): Mailer {
  const url = new URL(config.SMTP_URL);
  return nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    pool: true,
    maxConnections: config.SMTP_MAX_CONNECTIONS,
    rateDelta: 1000,
    rateLimit: config.SMTP_RATE_PER_SECOND,
    // The development inbox speaks plain SMTP on loopback; real servers negotiate TLS.
    ignoreTLS: url.hostname === '127.0.0.1' || url.hostname === 'localhost',
  });
}

/** The same idempotency key always yields the same Message-ID, so a resend is recognisable. */
export function messageIdFor(idempotencyKey: string, mailFrom: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'nurture.localhost';
  const hash = crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  return `<${hash}@${domain}>`;
}
