import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.ts';
import { assertSafeToServe, safetyProblems } from './safety.ts';

const OWN = {
  WEBHOOK_SECRET: 'a-webhook-secret-of-our-own',
  ADMIN_TOKENS: 'an-admin-token-of-our-own',
  TRACKING_SECRET: 'a-tracking-secret-of-our-own',
  ERASURE_HASH_KEY: 'an-erasure-hash-key-of-our-own',
  SALES_WEBHOOK_SECRET: 'a-sales-webhook-secret-of-our-own',
  PAYLOAD_KEYS: `ours:${Buffer.alloc(32, 9).toString('base64')}`,
};
const PUBLIC = { HOST: '0.0.0.0', PUBLIC_URL: 'https://mail.example.com' };
const variables = (problems: string[]) => problems.map((p) => p.slice(0, p.indexOf(':')));

describe('secure by default', () => {
  it('lets the development defaults serve only this machine', () => {
    const dev = loadConfig({});
    expect(safetyProblems(dev, 'api')).toEqual([]);
    expect(safetyProblems(dev, 'worker')).toEqual([]);
    expect(safetyProblems(loadConfig({ HOST: '::1', PUBLIC_URL: 'http://127.0.0.1:3000' }), 'api')).toEqual([]);
  });

  it('refuses every development secret the API uses once it listens beyond loopback, whatever NODE_ENV says', () => {
    for (const NODE_ENV of ['development', 'test']) {
      const problems = safetyProblems(loadConfig({ NODE_ENV, HOST: '0.0.0.0' }), 'api');
      expect(variables(problems)).toEqual([
        'WEBHOOK_SECRET',
        'ADMIN_TOKENS',
        'TRACKING_SECRET',
        'ERASURE_HASH_KEY',
        'SALES_WEBHOOK_SECRET',
        'PAYLOAD_KEYS',
        'PUBLIC_URL',
      ]);
      expect(problems[0]).toMatch(/development default must not serve others \(the API listens on 0\.0\.0\.0/);
    }
  });

  it('refuses them when the links in mail point elsewhere, even on loopback', () => {
    const c = loadConfig({ PUBLIC_URL: 'https://mail.example.com' });
    // The API signs the dashboard's "notify sales again" with the sales secret too.
    expect(variables(safetyProblems(c, 'api'))).toEqual([
      'WEBHOOK_SECRET',
      'ADMIN_TOKENS',
      'TRACKING_SECRET',
      'ERASURE_HASH_KEY',
      'SALES_WEBHOOK_SECRET',
      'PAYLOAD_KEYS',
    ]);
    // The worker needs no admin token or webhook secret: it is asked only for what it uses.
    expect(variables(safetyProblems(c, 'worker'))).toEqual([
      'TRACKING_SECRET',
      'ERASURE_HASH_KEY',
      'SALES_WEBHOOK_SECRET',
      'PAYLOAD_KEYS',
    ]);
    expect(
      safetyProblems(
        loadConfig({
          PUBLIC_URL: 'https://mail.example.com',
          TRACKING_SECRET: OWN.TRACKING_SECRET,
          ERASURE_HASH_KEY: OWN.ERASURE_HASH_KEY,
          PAYLOAD_KEYS: OWN.PAYLOAD_KEYS,
          SALES_WEBHOOK_SECRET: OWN.SALES_WEBHOOK_SECRET,
        }),
        'worker',
      ),
    ).toEqual([]);
  });

  it('finds a development secret kept in a rotation list', () => {
    const c = loadConfig({ ...PUBLIC, ...OWN, ADMIN_TOKENS: `${OWN.ADMIN_TOKENS},dev-admin-token-change-me` });
    expect(variables(safetyProblems(c, 'api'))).toEqual(['ADMIN_TOKENS']);
  });

  it('wants https and signed webhooks when others can reach it', () => {
    const c = loadConfig({ ...OWN, HOST: '0.0.0.0', PUBLIC_URL: 'http://mail.example.com', WEBHOOK_SIGNATURE_DISABLED: 'true' });
    expect(variables(safetyProblems(c, 'api'))).toEqual(['WEBHOOK_SIGNATURE_DISABLED', 'PUBLIC_URL']);
    expect(safetyProblems(loadConfig({ ...OWN, ...PUBLIC }), 'api')).toEqual([]);
  });

  it('is never local in production, and production names its own database, SMTP and URL', () => {
    const problems = safetyProblems(loadConfig({ NODE_ENV: 'production' }), 'worker');
    expect(variables(problems)).toEqual([
      'TRACKING_SECRET',
      'ERASURE_HASH_KEY',
      'SALES_WEBHOOK_SECRET',
      'PAYLOAD_KEYS',
      'PUBLIC_URL',
      'DATABASE_URL',
      'SMTP_URL',
      'PUBLIC_URL',
    ]);
    const set = loadConfig({
      NODE_ENV: 'production',
      ...OWN,
      PUBLIC_URL: 'https://mail.example.com',
      DATABASE_URL: 'postgresql://nurture@db/nurture',
      SMTP_URL: 'smtps://relay.example.com',
    });
    expect(safetyProblems(set, 'worker')).toEqual([]);
    expect(safetyProblems(set, 'api')).toEqual([]);
    // The API mails too (consent confirmations, sales notices): it names its SMTP relay.
    expect(variables(safetyProblems(loadConfig({ NODE_ENV: 'production', ...OWN }), 'api'))).toEqual([
      'PUBLIC_URL',
      'DATABASE_URL',
      'SMTP_URL',
      'PUBLIC_URL',
    ]);
    expect(() => assertSafeToServe(loadConfig({ NODE_ENV: 'production' }), 'api')).toThrow(
      /ADMIN_TOKENS: the development default/,
    );
  });
});
