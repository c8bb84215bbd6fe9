// What a lead actually receives: one real send through the worker to the SMTP inbox, parsed
// back with mailparser. Personalisation, escaping, the compliance headers and footer, and a
// DKIM signature (configured here with a key made for the test) that really verifies.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser, type ParsedMail } from 'mailparser';
import { messageIdFor } from '../infra/mailer.ts';
import { openToken } from '../infra/tokens.ts';
import { startDeliveryStack, type DeliveryStack } from './delivery-support.ts';
import { OPERATOR_SECRETS } from './support/secrets.ts';
import { effectKey } from '../core/journey/effect-key.ts';

const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const POSTAL = 'Acme Nurture GmbH, Teststraße 7, 10115 Berlin';
const PUBLIC_URL = 'https://mail.example.test';

let stack: DeliveryStack;
beforeAll(async () => {
  stack = await startDeliveryStack({
    env: {
      PUBLIC_URL,
      // Links to a public URL: the development secrets are refused (config/safety.ts).
      ...OPERATOR_SECRETS,
      MAIL_FROM: 'Acme Nurture <hello@acme.example>',
      MAIL_POSTAL_ADDRESS: POSTAL,
      MAIL_UNSUBSCRIBE_MAILTO: 'unsubscribe@acme.example',
      DKIM_DOMAIN: 'acme.example',
      DKIM_SELECTOR: 'nurture2026',
      // One line with literal \n, the way a PEM usually travels in an environment variable.
      DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().replace(/\n/g, '\\n'),
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

describe('a delivered marketing email', () => {
  let raw: string;
  let mail: ParsedMail;
  let leadId: string;
  let address: string;
  let key: string;

  beforeAll(async () => {
    const lead = await stack.lead({ label: 'received', firstName: 'Ada<script>alert(1)</script>', company: 'Initech' });
    leadId = lead.id;
    address = lead.email;
    const req = stack.request(lead);
    key = effectKey(req);
    const { outcome } = await stack.send(req);
    expect(outcome).toEqual({ status: 'sent', messageId: messageIdFor(key, stack.config.MAIL_FROM) });
    raw = (await stack.inbox.waitFor((m) => m.to.includes(address))).raw;
    mail = await simpleParser(raw);
  });

  it('has the subject and personalised HTML and text parts', () => {
    // Subjects are plain text: the name arrives as typed.
    expect(mail.subject).toMatch(/^Welcome\b.*Ada<script>alert\(1\)<\/script>/);
    expect(mail.html).toContain('Ada&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.text).toContain('Ada<script>alert(1)</script>');
  });

  it('carries lead input as text, never as markup', () => {
    expect(mail.html).not.toMatch(/<script/i);
  });

  it('has exactly one List-Unsubscribe header: the https URL with the recipient token, and the mailto', () => {
    const headers = mail.headerLines.filter((h) => h.key === 'list-unsubscribe');
    expect(headers).toHaveLength(1);
    const value = headers[0]!.line.replace(/^List-Unsubscribe:\s*/i, '').replace(/\r?\n\s+/g, ' ');
    const targets = [...value.matchAll(/<([^>]+)>/g)].map((m) => m[1]!);
    expect(targets).toHaveLength(2);
    const [url, mailto] = targets as [string, string];
    expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/u/[A-Za-z0-9_.-]+$`));
    const token = url.slice(`${PUBLIC_URL}/u/`.length);
    expect(openToken(stack.config.TRACKING_SECRET, token)).toEqual({ k: 'u', l: leadId, e: address });
    expect(mailto).toBe(`mailto:unsubscribe@acme.example?subject=unsubscribe%20${token}`);
    // The same per-recipient link is in the body, for people rather than mail clients.
    expect(mail.html).toContain(`href="${url}"`);
  });

  it('has List-Unsubscribe-Post for RFC 8058 one-click unsubscribe', () => {
    const headers = mail.headerLines.filter((h) => h.key === 'list-unsubscribe-post');
    expect(headers.map((h) => h.line)).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
  });

  it('has the sender postal address in the footer', () => {
    expect(mail.html).toContain(POSTAL);
    expect(mail.text).toContain(POSTAL);
  });

  it('has the deterministic Message-ID and is recorded as sent', async () => {
    expect(mail.messageId).toBe(messageIdFor(key, stack.config.MAIL_FROM));
    const row = await stack.db.sentMessage.findUniqueOrThrow({ where: { idempotencyKey: key } });
    expect(row).toMatchObject({ status: 'sent', toAddress: address, subject: mail.subject, messageId: mail.messageId });
    expect(row.sentAt).toBeInstanceOf(Date);
  });

  it('is DKIM-signed over both List-* headers, and the signature verifies', () => {
    const headers = mail.headerLines.filter((h) => h.key === 'dkim-signature');
    expect(headers).toHaveLength(1);
    const tags = dkimTags(headers[0]!.line);
    expect(tags.d).toBe('acme.example');
    expect(tags.s).toBe('nurture2026');
    const signed = tags.h!.toLowerCase().split(':');
    expect(signed).toEqual(
      expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject', 'message-id']),
    );
    expect(verifyDkim(raw, publicKey)).toBe(true);
    // and a message altered in transit does not
    expect(verifyDkim(raw.replace('List-Unsubscribe=One-Click', 'List-Unsubscribe=Two-Click'), publicKey)).toBe(false);
  });
});

function dkimTags(line: string): Record<string, string> {
  const value = line.replace(/^DKIM-Signature:\s*/i, '').replace(/\s+/g, '');
  return Object.fromEntries(
    value
      .split(';')
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]),
  );
}

/** A compact relaxed/relaxed rsa-sha256 DKIM verifier (RFC 6376 §3.4.2, §3.4.4, §3.7). */
function verifyDkim(message: string, key: crypto.KeyObject): boolean {
  const split = message.indexOf('\r\n\r\n');
  const head = message.slice(0, split + 2);
  const body = message.slice(split + 4);
  const fields = head.split(/\r\n(?![ \t])/).filter(Boolean);
  const relaxed = (field: string) => {
    const colon = field.indexOf(':');
    return `${field.slice(0, colon).trim().toLowerCase()}:${field
      .slice(colon + 1)
      .replace(/\r\n/g, '')
      .replace(/[ \t]+/g, ' ')
      .trim()}`;
  };
  const signature = fields.find((f) => /^dkim-signature:/i.test(f))!;
  const tags = dkimTags(signature);

  let canonBody = body
    .split('\r\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''))
    .join('\r\n')
    .replace(/(\r\n)*$/, '');
  if (canonBody) canonBody += '\r\n';
  if (crypto.createHash('sha256').update(canonBody, 'latin1').digest('base64') !== tags.bh) return false;

  // Each signed name takes the last not yet used instance of that field.
  const remaining = [...fields];
  let data = '';
  for (const name of tags.h!.split(':')) {
    const at = remaining.findLastIndex((f) => f.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    if (at < 0) continue;
    data += `${relaxed(remaining[at]!)}\r\n`;
    remaining.splice(at, 1);
  }
  data += relaxed(signature).replace(/([;\s]b=)[^;]*/, '$1');
  return crypto.verify('sha256', Buffer.from(data, 'latin1'), key, Buffer.from(tags.b!, 'base64'));
}
