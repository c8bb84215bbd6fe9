// Secure by default, as an operator meets it: the real `nurture api` and `nurture worker`
// commands refuse development secrets once others can reach them, whatever NODE_ENV says, and
// each asks only for the settings it uses.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { OPERATOR_SECRETS } from './support/secrets.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TIMEOUT_MS = 60_000;

/** Runs a nurture command until it exits, or until it prints `until` (then stops it). */
function nurture(args: string[], env: Record<string, string>, until?: RegExp) {
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/nurture.mjs'), ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LOG_LEVEL: 'silent',
        DATABASE_URL: inject('databaseUrl'),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        PORT: '0',
        ...env,
      },
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nurture ${args.join(' ')} did not finish in ${TIMEOUT_MS} ms; output:\n${out}`));
    }, TIMEOUT_MS);
    const read = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (until?.test(out)) child.kill('SIGTERM');
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const OWN = OPERATOR_SECRETS;

describe('secure by default', () => {
  it('the API listening beyond loopback refuses the development secrets and plain http, even with NODE_ENV=development', async () => {
    const r = await nurture(['api'], { NODE_ENV: 'development', HOST: '0.0.0.0' });
    expect(r.code).toBe(2);
    for (const v of ['WEBHOOK_SECRET', 'ADMIN_TOKENS', 'TRACKING_SECRET'])
      expect(r.out).toContain(`${v}: the development default must not serve others (the API listens on 0.0.0.0`);
    expect(r.out).toContain('PUBLIC_URL: must be an https:// URL');
    expect(r.out).not.toMatch(/API listening/);
  });

  it('the API refuses unsigned webhooks when others can reach it', async () => {
    const r = await nurture(['api'], {
      ...OWN,
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://mail.example.com',
      WEBHOOK_SIGNATURE_DISABLED: 'true',
    });
    expect(r.code).toBe(2);
    expect(r.out).toContain('WEBHOOK_SIGNATURE_DISABLED: unsigned webhooks are only for development');
  });

  it('the worker asks only for what it uses: its tracking secret, never the admin tokens', async () => {
    const refused = await nurture(['worker'], { PUBLIC_URL: 'https://mail.example.com' });
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('TRACKING_SECRET: the development default must not serve others');
    expect(refused.out).not.toMatch(/ADMIN_TOKENS|- WEBHOOK_SECRET/);
  });

  it('with its own secrets and an https URL the API serves others', async () => {
    const r = await nurture(['api'], { ...OWN, HOST: '0.0.0.0', PUBLIC_URL: 'https://mail.example.com' }, /API listening on/);
    // Listening on every interface; Fastify names the first of them.
    expect(r.out).toMatch(/API listening on http:\/\/[\d.]+:\d+/);
    expect(r.out).not.toMatch(/development default|must be an https/);
  });
});
