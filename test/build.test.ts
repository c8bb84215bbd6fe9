// The production build as an operator runs it: `npm run build`, then `nurture worker` and
// `nurture api` from the build with NODE_ENV=production, against the real Temporal, PostgreSQL
// and an SMTP inbox. The build runs from a folder that holds only what a deployment ships
// (package.json, node_modules, bin/, dist/): no TypeScript sources, so a fallback to tsx or a
// file read from the source tree fails here instead of in production.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnNurture, type NurtureProcess } from '../infra/dev/nurture-process.ts';
import { freePort } from '../infra/dev/ports.ts';
import { startSmtpInbox, type SmtpInbox } from '../infra/dev/smtp-inbox.ts';
import { signatureHeader } from '../infra/signature.ts';
import { apiTestEnv } from './support/api.ts';
import { OPERATOR_SECRETS } from './support/secrets.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** tsc and webpack on a loaded two-core machine: about 15-50 s. */
const BUILD_TIMEOUT_MS = 180_000;

let shipped: string;
let inbox: SmtpInbox;
let worker: NurtureProcess | undefined;
let api: NurtureProcess | undefined;
const campaign = apiTestEnv();

beforeAll(async () => {
  shipped = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-build-'));
  const build = spawnSync('npm', ['run', 'build', '--', '--out-dir', path.join(shipped, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  });
  if (build.status !== 0)
    throw new Error(`npm run build failed (${build.status ?? build.signal}):\n${build.stdout}\n${build.stderr}`);
  fs.mkdirSync(path.join(shipped, 'bin'));
  fs.copyFileSync(path.join(ROOT, 'bin/nurture.mjs'), path.join(shipped, 'bin/nurture.mjs'));
  for (const name of ['package.json', 'node_modules', 'templates'])
    fs.symlinkSync(path.join(ROOT, name), path.join(shipped, name));
  inbox = await startSmtpInbox({ port: 0, dir: path.join(shipped, 'inbox') });
}, BUILD_TIMEOUT_MS + 10_000);

afterAll(async () => {
  await Promise.all([worker?.stop(), api?.stop()]);
  await inbox?.close();
  campaign.cleanup();
  if (shipped) fs.rmSync(shipped, { recursive: true, force: true });
});

describe('the production build', () => {
  it('prints the package version, from the build and from source', async () => {
    const built = spawnNurture(shipped, ['--version'], {});
    await built.exited();
    expect([built.child.exitCode, built.output()]).toEqual([0, `${VERSION}\n`]);
    const source = spawnNurture(ROOT, ['--version'], { NURTURE_FROM_SOURCE: '1' });
    await source.exited();
    expect([source.child.exitCode, source.output()]).toEqual([0, `${VERSION}\n`]);
  });

  it('runs the worker and the API in production: a signed signup gets its welcome email, and the worker bundles nothing at start', async () => {
    const port = await freePort();
    const env = {
      ...OPERATOR_SECRETS,
      ...campaign.env,
      NODE_ENV: 'production',
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `build-${crypto.randomBytes(4).toString('hex')}`,
      SMTP_URL: inbox.url,
      PUBLIC_URL: 'https://nurture.example.com',
      HOST: '127.0.0.1',
      PORT: String(port),
      NURTURE_DATA_DIR: path.join(shipped, 'data'),
      LOG_LEVEL: 'info',
    };
    worker = spawnNurture(shipped, ['worker'], env);
    api = spawnNurture(shipped, ['api'], env);
    const [, [, url]] = await Promise.all([worker.waitFor(/worker running/), api.waitFor(/API listening on (\S+)/)]);

    const email = `build-${crypto.randomBytes(4).toString('hex')}@example.com`;
    const body = JSON.stringify({ email, firstName: 'Ada' });
    const res = await fetch(`${url}/webhooks/signup`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'nurture-signature': signatureHeader(OPERATOR_SECRETS.WEBHOOK_SECRET, body),
      },
      body,
    });
    expect(res.status).toBe(202);
    const mail = await simpleParser((await inbox.waitFor((m) => m.to.includes(email))).raw);
    expect(mail.subject).toMatch(/Ada/);

    expect(worker.output()).toContain('Using the prebuilt workflow bundle');
    expect(worker.output()).not.toMatch(/webpack|Workflow bundle created/);
  });
});
