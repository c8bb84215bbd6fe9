// The `nurture` command as a marketer runs it: real processes, real files.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { startSmtpInbox } from '../infra/smtp-inbox.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

function nurture(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/nurture.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-cli-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('nurture campaign', () => {
  it('validates the shipped example campaign', () => {
    const r = nurture(['campaign', 'validate', 'campaigns/example.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/campaign "example" is valid/);
  });

  it('names the file, line and path of a bad value', () => {
    const dir = tempDir({
      'bad.yaml':
        'id: bad\nname: Bad\nstages:\n  awareness:\n    steps:\n      - send: welcome\n      - waitFor: click\n        within: soon\n',
    });
    const r = nurture(['campaign', 'validate', path.join(dir, 'bad.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.yaml:8:\d+ stages\.awareness\.steps\[1\]\.within: /);
  });

  it('simulates a 60-day journey and prints its timeline', () => {
    const r = nurture([
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

  it('rejects a malformed --events option by name', () => {
    const r = nurture(['campaign', 'simulate', 'campaigns/example.yaml', '--events', '[{"at":"+1d"}]']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--events: 0\.type: /);
  });
});

describe('nurture templates', () => {
  it('lints the shipped templates clean', () => {
    const r = nurture(['templates', 'lint']);
    expect(r.code, r.err).toBe(0);
  });

  it('reports a campaign that names a missing template at its line', () => {
    const dir = tempDir({
      'c.yaml': 'id: c\nname: C\nstages:\n  awareness:\n    steps:\n      - send: welcome\n      - send: no-such-template\n',
    });
    const r = nurture(['templates', 'lint'], { NURTURE_CAMPAIGNS_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/c\.yaml:7(:\d+)? .*no-such-template/);
  });

  it('previews a template with an escaped lead', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-preview-'));
    const r = nurture(['templates', 'preview', 'welcome', '--lead', '{"firstName":"<script>x</script>"}', '--out', out]);
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
      // Async spawn: the inbox in this process must keep answering while the CLI sends.
      const child = spawn(
        process.execPath,
        [
          path.join(ROOT, 'bin/nurture.mjs'),
          'templates',
          'send-test',
          'welcome',
          '--to',
          'marketer@example.com',
          '--lead',
          '{"firstName":"Mia"}',
        ],
        {
          cwd: ROOT,
          env: { ...process.env, SMTP_URL: inbox.url },
        },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, out).toBe(0);
      const mail = await simpleParser((await inbox.waitFor((m) => m.to.includes('marketer@example.com'))).raw);
      expect(mail.subject).toMatch(/^\[TEST\] .*Mia/);
      expect(mail.html).toContain('Mia');
    } finally {
      await inbox.close();
    }
  });
});
