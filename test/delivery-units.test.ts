// The pure decisions behind delivery, without a server: what an SMTP error means,
// what a discount code looks like, and when DKIM config is usable.
// (These live in test/ because the unit project only collects core/, email/, api/, config/, cli/.)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDiscountCode, normalizeDiscountCode } from '../activities/discount.ts';
import { classifySmtpError } from '../activities/email/smtp-errors.ts';
import { ConfigError } from '../config/index.ts';
import { dkimOptions } from '../infra/dkim.ts';

const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message ?? 'x')), fields);

describe('classifySmtpError', () => {
  it('bounces a 5xx for the recipient or the message', () => {
    expect(classifySmtpError(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }))).toMatchObject({
      kind: 'bounce',
      code: 550,
    });
    expect(classifySmtpError(smtpError({ code: 'EMESSAGE', command: 'DATA', responseCode: 554 }))).toMatchObject({
      kind: 'bounce',
      code: 554,
    });
  });

  it('never bounces the lead for a 5xx about our side of the conversation', () => {
    expect(classifySmtpError(smtpError({ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535 })).kind).toBe('deferred');
    expect(classifySmtpError(smtpError({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553 })).kind).toBe('deferred');
    expect(classifySmtpError(smtpError({ code: 'EPROTOCOL', command: 'CONN', responseCode: 554 })).kind).toBe('deferred');
  });

  it('defers a 4xx and a connection that never opened', () => {
    expect(classifySmtpError(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451 }))).toMatchObject({
      kind: 'deferred',
      reason: expect.stringMatching(/^smtp 451/),
    });
    expect(classifySmtpError(smtpError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' })).kind).toBe(
      'deferred',
    );
    expect(classifySmtpError(smtpError({ code: 'EDNS', command: 'CONN' })).kind).toBe('deferred');
  });

  it('calls a connection lost mid-conversation unknown: the server may have the message', () => {
    expect(classifySmtpError(smtpError({ code: 'ETIMEDOUT', command: 'CONN' })).kind).toBe('unknown');
    expect(classifySmtpError(smtpError({ code: 'ECONNECTION', command: 'CONN' })).kind).toBe('unknown');
    expect(classifySmtpError(new Error('something else')).kind).toBe('unknown');
  });
});

describe('generateDiscountCode', () => {
  it('is the campaign prefix and three groups of four unambiguous symbols', () => {
    for (let i = 0; i < 200; i++)
      expect(generateDiscountCode('welcome-2026')).toMatch(/^WELCOME2026(-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}){3}$/);
    expect(generateDiscountCode('---')).toMatch(/^NURTURE-/);
  });
  it('does not repeat (random, not derived from the lead)', () => {
    const codes = new Set(Array.from({ length: 5000 }, () => generateDiscountCode('x')));
    expect(codes.size).toBe(5000);
  });
  it('normalises what a person types', () => {
    expect(normalizeDiscountCode('  welcome-7kq2-9xpm-3hrt ')).toBe('WELCOME-7KQ2-9XPM-3HRT');
  });
});

describe('dkimOptions', () => {
  const pem = crypto
    .generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const problemsOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems.join('\n');
    }
    throw new Error('expected a ConfigError');
  };

  it('is off when nothing is configured', () => {
    expect(dkimOptions({})).toBeUndefined();
  });

  it('signs both List-* headers, with the key inline (escaped newlines) or from a file', () => {
    const inline = dkimOptions({
      DKIM_DOMAIN: 'acme.example',
      DKIM_SELECTOR: 's1',
      DKIM_PRIVATE_KEY: pem.replace(/\n/g, '\\n'),
    })!;
    expect(inline.privateKey).toBe(pem);
    expect(inline.headerFieldNames.split(':')).toEqual(expect.arrayContaining(['List-Unsubscribe', 'List-Unsubscribe-Post']));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dkim-')), 'key.pem');
    fs.writeFileSync(file, pem);
    expect(dkimOptions({ DKIM_DOMAIN: 'acme.example', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY_FILE: file })!.privateKey).toBe(pem);
  });

  it('refuses a half configuration, naming what is missing', () => {
    const problems = problemsOf(() => dkimOptions({ DKIM_DOMAIN: 'acme.example' }));
    expect(problems).toMatch(/DKIM_SELECTOR: must be set/);
    expect(problems).toMatch(/DKIM_PRIVATE_KEY: must be set/);
  });

  it('refuses a key that is not a private key', () => {
    expect(
      problemsOf(() => dkimOptions({ DKIM_DOMAIN: 'acme.example', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: 'not a key' })),
    ).toMatch(/DKIM_PRIVATE_KEY: not a readable PEM private key/);
    expect(
      problemsOf(() =>
        dkimOptions({ DKIM_DOMAIN: 'acme.example', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY_FILE: '/nonexistent/key.pem' }),
      ),
    ).toMatch(/DKIM_PRIVATE_KEY_FILE: /);
  });
});
