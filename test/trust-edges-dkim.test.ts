// DKIM oversigning end to end (issue 11, item 12): the real mailer signs, the real SMTP inbox
// receives, an independent verifier (mailauth) checks: pass as sent; a second Subject, From or
// List-Unsubscribe prepended in transit, or a changed body, does not pass.
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpInbox, type SmtpInbox } from '../infra/dev/smtp-inbox.ts';
import { createMailer, type Mailer } from '../infra/mailer.ts';

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const dnsRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

async function verdict(message: string): Promise<string> {
  const result = await dkimVerify(Buffer.from(message, 'latin1'), {
    resolver: async (name: string, type: string) => {
      if (type === 'TXT' && name === 'edges._domainkey.acme.example') return [[dnsRecord]];
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    },
  } as never);
  return result.results[0]?.status?.result ?? 'none';
}

let inbox: SmtpInbox;
let mailer: Mailer;
let raw: string;
beforeAll(async () => {
  inbox = await startSmtpInbox({ port: 0, dir: fs.mkdtempSync(path.join(os.tmpdir(), 'edges-dkim-')) });
  mailer = createMailer({
    SMTP_URL: inbox.url,
    SMTP_MAX_CONNECTIONS: 1,
    SMTP_RATE_PER_SECOND: 50,
    DKIM_DOMAIN: 'acme.example',
    DKIM_SELECTOR: 'edges',
    DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  await mailer.sendMail({
    from: 'Acme <hello@acme.example>',
    to: 'ada@example.com',
    subject: 'Welcome, Ada – ünïcode too',
    text: 'Hello Ada,\n\nwelcome aboard.\n',
    html: '<p>Hello Ada,</p><p>welcome aboard.</p>',
    headers: {
      'List-Unsubscribe': '<https://acme.example/u/token>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  });
  raw = (await inbox.waitFor((m) => m.to.includes('ada@example.com'))).raw;
});
afterAll(async () => {
  mailer?.close();
  await inbox?.close();
});

describe('DKIM through the real mailer', () => {
  it('the delivered message verifies (pass) with one DKIM-Signature', async () => {
    expect(raw.match(/^DKIM-Signature:/gim)).toHaveLength(1);
    expect(await verdict(raw)).toBe('pass');
  });

  it.each([
    'Subject: Your account is locked',
    'From: Bank <security@bank.example>',
    'List-Unsubscribe: <https://evil.example/u>',
  ])('a prepended "%s" makes it fail', async (header) => {
    expect(await verdict(`${header}\r\n${raw}`)).toBe('fail');
  });

  it('a changed body does not pass', async () => {
    expect(await verdict(raw.replace('welcome aboard', 'wire the money'))).not.toBe('pass');
  });
});
