// DKIM oversigning checked by an independent verifier (mailauth, DNS answered from memory),
// and the alignment warning (issue 11, item 12). The same signer runs inside the real mailer
// in test/trust-edges-dkim.test.ts.
import crypto from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { describe, expect, it } from 'vitest';
import { dkimAlignmentWarning, dkimOptions, dkimSign } from './dkim.ts';

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const options = dkimOptions({
  DKIM_DOMAIN: 'acme.example',
  DKIM_SELECTOR: 'nurture2026',
  DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
})!;
const dnsRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

/** mailauth's verdict on the first signature, with our public key served as the DNS record. */
export async function verdict(message: Buffer | string): Promise<string> {
  const result = await dkimVerify(Buffer.from(message), {
    resolver: async (name: string, type: string) => {
      if (type === 'TXT' && name === 'nurture2026._domainkey.acme.example') return [[dnsRecord]];
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    },
  } as never);
  return result.results[0]?.status?.result ?? 'none';
}

const MESSAGE = [
  'From: Acme <hello@acme.example>',
  'To: ada@example.com',
  'Subject: Welcome,  Ada',
  'Date: Mon, 30 Nov 2026 12:00:00 +0000',
  'Message-ID: <abc@acme.example>',
  'List-Unsubscribe: <https://acme.example/u/token>',
  'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 7bit',
  '',
  'Hello Ada,  ',
  '',
  'welcome aboard.',
  '',
  '',
].join('\r\n');

const prepend = (signed: Buffer, header: string) => {
  // After the DKIM-Signature (a header added in transit goes on top; either way it is a second copy).
  const text = signed.toString('latin1');
  return `${header}\r\n${text}`;
};

describe('DKIM signing with oversigning', () => {
  const signed = dkimSign(Buffer.from(MESSAGE), options);

  it('verifies with an independent verifier, and lists each signed header once more than it occurs', async () => {
    expect(await verdict(signed)).toBe('pass');
    const h = /\bh=([^;]+);/.exec(signed.toString().replace(/\r\n\s+/g, ''))![1]!.split(':');
    for (const name of [
      'From',
      'Subject',
      'List-Unsubscribe',
      'List-Unsubscribe-Post',
      'Date',
      'To',
      'Message-ID',
      'MIME-Version',
      'Content-Type',
    ])
      expect(
        h.filter((n) => n === name),
        name,
      ).toHaveLength(2);
    // Absent headers are signed as absent: adding one breaks the signature too.
    for (const name of ['Reply-To', 'Cc'])
      expect(
        h.filter((n) => n === name),
        name,
      ).toHaveLength(1);
  });

  it.each([
    ['Subject', 'Subject: You won a prize'],
    ['From', 'From: Bank <security@bank.example>'],
    ['List-Unsubscribe', 'List-Unsubscribe: <https://evil.example/u>'],
    ['List-Unsubscribe-Post', 'List-Unsubscribe-Post: List-Unsubscribe=One-Click'],
    ['Reply-To (absent when signed)', 'Reply-To: <evil@evil.example>'],
    ['To', 'To: someone-else@example.com'],
  ])('a prepended second %s fails', async (_name, header) => {
    expect(await verdict(prepend(signed, header))).toBe('fail');
  });

  it('a changed body fails', async () => {
    // mailauth says 'neutral' for a body hash mismatch (RFC 6376 §6.3: the signature does not verify).
    expect(['fail', 'neutral']).toContain(await verdict(signed.toString('latin1').replace('welcome aboard', 'wire the money')));
    expect(await verdict(signed.toString('latin1').replace('welcome aboard', 'wire the money'))).not.toBe('pass');
  });

  it('whitespace changes that relaxed canonicalization allows still pass', async () => {
    const text = signed.toString('latin1').replace('Subject: Welcome,  Ada', 'Subject:   Welcome,\r\n Ada');
    expect(await verdict(text)).toBe('pass');
  });
});

describe('dkimAlignmentWarning', () => {
  it('is quiet when DKIM is off or the domains align (same domain, parent or subdomain)', () => {
    expect(dkimAlignmentWarning({ MAIL_FROM: 'Acme <hello@acme.example>' })).toBeUndefined();
    for (const [d, from] of [
      ['acme.example', 'Acme <hello@acme.example>'],
      ['ACME.example', 'hello@Acme.Example'],
      ['acme.example', 'Acme <hello@mail.acme.example>'],
      ['mail.acme.example', 'Acme <hello@acme.example>'],
    ])
      expect(dkimAlignmentWarning({ DKIM_DOMAIN: d, MAIL_FROM: from! }), `${d} / ${from}`).toBeUndefined();
  });

  it('warns, naming both domains, when they do not align', () => {
    for (const [d, from] of [
      ['esp.example', 'Acme <hello@acme.example>'],
      ['notacme.example', 'Acme <hello@acme.example>'],
      ['acme.example', 'hello@acme.example.evil.test'],
    ])
      expect(dkimAlignmentWarning({ DKIM_DOMAIN: d, MAIL_FROM: from! })).toMatch(
        new RegExp(`DKIM_DOMAIN \\(${d!.toLowerCase().replace(/\./g, '\\.')}\\) does not align`),
      );
  });
});
