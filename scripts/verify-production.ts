// `npm run verify:production [-- --tls]`: the production path end to end on this machine, from the build.
// After `npm ci && npm run build` it starts a production-shaped Temporal server of its own
// (PostgreSQL persistence, infra/dev/temporal-server), runs the built `nurture migrate`,
// `nurture setup temporal`, `nurture check`, then `nurture worker` and `nurture api` with
// NODE_ENV=production and operator secrets of its own, and checks:
//   - a signed signup gets its welcome email (an SMTP inbox stands in for the relay);
//   - /metrics shows nurture_ series on both and the Temporal SDK's temporal_ series on the worker;
//   - /readyz of the API and the worker answers 503 within 5 s of stopping Temporal, and 200
//     once it is back.
// With --tls the server's frontend requires client certificates, and the processes connect with
// the TEMPORAL_TLS_* settings (Temporal's environment configuration names).
// One line per check, a summary last; exit 1 when any check failed. Everything it made is
// removed at the end. Not part of `npm test` (it stops a Temporal server): run it under the
// heavy lock.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureDatabase } from '../infra/db-admin.ts';
import { dropDatabase } from '../infra/db.ts';
import { spawnNurture, type NurtureProcess } from '../infra/dev/nurture-process.ts';
import { freePort } from '../infra/dev/ports.ts';
import { startSmtpInbox } from '../infra/dev/smtp-inbox.ts';
import { startPrivateProdTemporal } from '../infra/dev/temporal-server/private.ts';
import { signatureHeader } from '../infra/signature.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/journey/search-attributes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What the issue asks of readiness after Temporal stops. */
const NOT_READY_WITHIN_MS = 5000;
const BACK_WITHIN_MS = 60_000;
const log = (line: string) => console.error(`[verify] ${line}`);

const results: Array<{ ok: boolean; what: string }> = [];
function check(ok: boolean, what: string): void {
  results.push({ ok, what });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
}

const secret = () => crypto.randomBytes(24).toString('base64url');

async function get(url: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    return { status: 0, text: String(err) };
  }
}

/** Polls until `want` answers the status, or the time is up: how long it took, or undefined. */
async function timeUntil(url: string, want: number, withinMs: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started <= withinMs) {
    if ((await get(url)).status === want) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { tls: { type: 'boolean', default: false } } });
  if (!fs.existsSync(path.join(ROOT, 'dist/cli/index.js')) || !fs.existsSync(path.join(ROOT, 'dist/workflow-bundle.js'))) {
    console.error('no build in dist/: run `npm run build` first');
    return 2;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-verify-'));
  const cleanups: Array<() => Promise<unknown>> = [async () => fs.rmSync(tmp, { recursive: true, force: true })];
  const base = new URL(process.env.VERIFY_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const database = (name: string) => Object.assign(new URL(base), { pathname: `/${name}_${process.pid}` }).toString();
  try {
    log(`starting a production-shaped Temporal server (PostgreSQL persistence${values.tls ? ', mTLS frontend' : ''})…`);
    const temporal = await startPrivateProdTemporal({
      dir: path.join(tmp, 'temporal'),
      database: database('nurture_verify_temporal'),
      log,
      searchAttributes: SEARCH_ATTRIBUTES,
      tls: values.tls,
    });
    cleanups.push(() => temporal.remove());
    const inbox = await startSmtpInbox({ port: 0 });
    cleanups.push(() => inbox.close());
    const databaseUrl = database('nurture_verify');
    await ensureDatabase(databaseUrl);
    cleanups.push(() => dropDatabase(databaseUrl));

    const port = await freePort();
    const healthPort = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info', // the worker says 'worker running' at info
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      ...(temporal.tls
        ? {
            TEMPORAL_TLS_CLIENT_CERT_PATH: temporal.tls.clientCert,
            TEMPORAL_TLS_CLIENT_KEY_PATH: temporal.tls.clientKey,
            TEMPORAL_TLS_SERVER_CA_CERT_PATH: temporal.tls.caCert,
            TEMPORAL_TLS_SERVER_NAME: temporal.tls.serverName,
          }
        : {}),
      TEMPORAL_TASK_QUEUE: `verify-${process.pid}`,
      SMTP_URL: inbox.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKER_HEALTH_PORT: String(healthPort),
      PUBLIC_URL: 'https://nurture.example.com',
      NURTURE_DATA_DIR: path.join(tmp, 'data'),
      WEBHOOK_SECRET: secret(),
      ADMIN_TOKENS: secret(),
      TRACKING_SECRET: secret(),
      ERASURE_HASH_KEY: secret(),
      SALES_WEBHOOK_SECRET: secret(),
      PAYLOAD_KEYS: `verify:${crypto.randomBytes(32).toString('base64')}`,
    };

    // The one-shot commands a deployment runs before the services (docs/deploy.md).
    for (const args of [['migrate'], ['setup', 'temporal'], ['check']]) {
      const p = spawnNurture(ROOT, args, env);
      const code = await p.exited();
      check(code === 0, `nurture ${args.join(' ')} exits 0${code === 0 ? '' : ` (exit ${code}):\n${p.output()}`}`);
    }

    const services: NurtureProcess[] = [];
    cleanups.push(() => Promise.all(services.map((s) => s.stop())));
    const worker = spawnNurture(ROOT, ['worker'], env);
    const api = spawnNurture(ROOT, ['api'], env);
    services.push(worker, api);
    const [, [, apiUrl]] = await Promise.all([worker.waitFor(/worker running/), api.waitFor(/API listening on (\S+)/)]);
    const workerUrl = `http://127.0.0.1:${healthPort}`;
    check(!/webpack|Workflow bundle created/.test(worker.output()), 'the built worker loads the prebuilt workflow bundle');

    const email = `verify-${crypto.randomBytes(4).toString('hex')}@example.com`;
    const body = JSON.stringify({ email, firstName: 'Ada' });
    const res = await fetch(`${apiUrl}/webhooks/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'nurture-signature': signatureHeader(env.WEBHOOK_SECRET!, body) },
      body,
    });
    check(res.status === 202, `a signed signup is accepted (${res.status})`);
    const welcome = await inbox.waitFor((m) => m.to.includes(email), 60_000).catch(() => undefined);
    check(welcome !== undefined, 'the welcome email reaches SMTP');

    const readiness = [
      ['API', `${apiUrl}/readyz`],
      ['worker', `${workerUrl}/readyz`],
    ] as const;
    const apiMetrics = await get(`${apiUrl}/metrics`);
    const workerMetrics = await get(`${workerUrl}/metrics`);
    check(/^nurture_signups_accepted_total\{/m.test(apiMetrics.text), 'API /metrics: nurture_ series (signups accepted)');
    check(/^nurture_emails_sent_total\{/m.test(workerMetrics.text), 'worker /metrics: nurture_ series (emails sent)');
    check(/^temporal_\w+/m.test(workerMetrics.text), 'worker /metrics: the Temporal SDK runtime temporal_ series');

    for (const [name, url] of readiness) check((await get(url)).status === 200, `${name} /readyz: 200 while everything runs`);

    log('stopping Temporal (SIGTERM)…');
    await temporal.stop();
    const stoppedAt = Date.now();
    for (const [name, url] of readiness) {
      const after = await timeUntil(url, 503, NOT_READY_WITHIN_MS - (Date.now() - stoppedAt));
      check(
        after !== undefined,
        `${name} /readyz: 503 ${after !== undefined ? `${Date.now() - stoppedAt} ms` : `not within ${NOT_READY_WITHIN_MS} ms`} after Temporal stopped`,
      );
    }
    log('starting Temporal again…');
    await temporal.start();
    const startedAt = Date.now();
    for (const [name, url] of readiness) {
      const after = await timeUntil(url, 200, BACK_WITHIN_MS);
      check(
        after !== undefined,
        `${name} /readyz: 200 ${after !== undefined ? `${Date.now() - startedAt} ms` : `not within ${BACK_WITHIN_MS} ms`} after Temporal was back`,
      );
    }
  } catch (err) {
    check(false, `the run itself: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    while (cleanups.length) await cleanups.pop()!().catch((err: unknown) => log(`cleanup: ${String(err)}`));
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`verify:production: ${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
