// The `nurture` command as a marketer runs it: real processes, real files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { startSmtpInbox } from '../infra/dev/smtp-inbox.ts';
import { nurture, tempDir } from './support/cli.ts';
import { emailFile } from './support/templates.ts';

describe('nurture campaign', () => {
  it('validates the shipped example campaign', async () => {
    const r = await nurture(['campaign', 'validate', 'campaigns/example.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/campaign "example" is valid/);
  });

  it('names the file, line and path of a bad value', async () => {
    const dir = tempDir({
      'bad.yaml':
        'id: bad\nname: Bad\nstages:\n  awareness:\n    steps:\n      - send: welcome\n      - waitFor: click\n        within: soon\n',
    });
    const r = await nurture(['campaign', 'validate', path.join(dir, 'bad.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.yaml:8:\d+ stages\.awareness\.steps\[1\]\.within: /);
  });

  it('simulates a 60-day journey and prints its timeline', async () => {
    const r = await nurture([
      'campaign',
      'simulate',
      'campaigns/example.yaml',
      '--days',
      '60',
      '--events',
      '[{"at":"+1d","type":"click"},{"at":"+5d","type":"purchase"}]',
    ]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const sends = lines.filter((l) => /\bsend\b/.test(l)).map((l) => l.trim().split(/\s+/).at(-1));
    expect(sends.slice(0, 3)).toEqual(['welcome', 'faq', 'tutorial']);
    expect(sends).toContain('onboarding-start');
    expect(r.out).toMatch(/interest -> action: goal: purchase/);
  });

  it('rejects a malformed --events option by name', async () => {
    const r = await nurture(['campaign', 'simulate', 'campaigns/example.yaml', '--events', '[{"at":"+1d"}]']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--events: 0\.type: /);
  });
});

describe('nurture templates', () => {
  it('lints the shipped templates clean', async () => {
    const r = await nurture(['templates', 'lint']);
    expect(r.code, r.err).toBe(0);
  });

  it('reports a campaign that names a missing template at its line', async () => {
    const dir = tempDir({
      'c.yaml': 'id: c\nname: C\nstages:\n  awareness:\n    steps:\n      - send: welcome\n      - send: no-such-template\n',
    });
    const r = await nurture(['templates', 'lint'], { NURTURE_CAMPAIGNS_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/c\.yaml:7(:\d+)? .*no-such-template/);
  });

  it('previews a template with an escaped lead', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-preview-'));
    const r = await nurture(['templates', 'preview', 'welcome', '--lead', '{"firstName":"<script>x</script>"}', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^subject: /m);
    const html = fs.readFileSync(path.join(out, 'welcome.html'), 'utf8');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>x');
    expect(fs.readFileSync(path.join(out, 'welcome.txt'), 'utf8')).toContain('<script>x</script>');
  });

  it('sends a test copy through SMTP_URL, visibly marked', async () => {
    const inbox = await startSmtpInbox({ port: 0 });
    try {
      // The helper spawns asynchronously: the inbox in this process keeps answering meanwhile.
      const r = await nurture(
        ['templates', 'send-test', 'welcome', '--to', 'marketer@example.com', '--lead', '{"firstName":"Mia"}'],
        {
          SMTP_URL: inbox.url,
        },
      );
      expect(r.code, r.out + r.err).toBe(0);
      const mail = await simpleParser((await inbox.waitFor((m) => m.to.includes('marketer@example.com'))).raw);
      expect(mail.subject).toMatch(/^\[TEST\] .*Mia/);
      expect(mail.html).toContain('Mia');
    } finally {
      await inbox.close();
    }
  });
});

describe('nurture worker', () => {
  // Nothing listens on this port: a worker that got past its checks would fail to connect,
  // with another message.
  const env = { TEMPORAL_ADDRESS: '127.0.0.1:9', DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/none' };

  it('refuses to start on a campaign that does not lint, naming the file and line', async () => {
    const dir = tempDir({
      'c.yaml': 'id: c\nname: C\nstages:\n  awareness:\n    steps:\n      - send: welcome\n      - wait: whenever\n',
    });
    const r = await nurture(['worker'], { ...env, NURTURE_CAMPAIGNS_DIR: dir });
    expect(r.code, r.out + r.err).not.toBe(0);
    expect(r.err).toMatch(/c\.yaml:7:\d+ stages\.awareness\.steps\[1\]\.wait: /);
    expect(r.out).not.toMatch(/worker running/);
  });

  it('refuses to start on a template that does not lint, naming the file and line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-cli-templates-'));
    fs.cpSync(path.resolve(import.meta.dirname, '../templates'), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'emails', 'broken.hbs'), emailFile(['<p>Hi {{lead.fristName}}</p>']));
    const r = await nurture(['worker'], { ...env, NURTURE_TEMPLATES_DIR: dir });
    expect(r.code, r.out + r.err).not.toBe(0);
    expect(r.err).toMatch(/broken\.hbs:7(:\d+)? .*fristName/);
    expect(r.out).not.toMatch(/worker running/);
  });
});

describe('production configuration', () => {
  const production = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/none',
    TEMPORAL_ADDRESS: '127.0.0.1:9',
    SMTP_URL: 'smtps://user:pass@smtp.example.com:465',
    PUBLIC_URL: 'https://nurture.example.com',
    WEBHOOK_SECRET: 'prod-webhook-secret-0123456789abcdef0123',
    ADMIN_TOKENS: 'prod-admin-token-0123456789abcdef0123',
    TRACKING_SECRET: 'prod-tracking-secret-0123456789abcdef0123',
    MAIL_FROM: 'Acme <hello@acme.example>',
    MAIL_POSTAL_ADDRESS: 'Acme Inc., 1 Example Street, Springfield',
  };

  it('refuses WEBHOOK_SIGNATURE_DISABLED in production, naming the variable', async () => {
    const r = await nurture(['api'], { ...production, WEBHOOK_SIGNATURE_DISABLED: 'true' });
    expect(r.code, r.out + r.err).not.toBe(0);
    expect(r.err).toMatch(/WEBHOOK_SIGNATURE_DISABLED: unsigned webhooks are only for development on this machine/);
    expect(r.out).not.toMatch(/listening|running/);
  });
});
