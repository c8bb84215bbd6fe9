// Health, readiness, metrics and JSON logs on the real stack: the API and a worker with its
// health port, a signup whose welcome email shows up in the counters, the Temporal core's
// series on the worker's /metrics, the SDK's log lines as scrubbed JSON, and an API pointed at
// a Temporal that is not there answering 503 that names it.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../api/server.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';
import { connectClient } from '../infra/client.ts';
import { freePort } from '../infra/dev/ports.ts';
import { loadConfig } from '../config/index.ts';
import { installWorkerRuntime } from '../observability/temporal-runtime.ts';
import { apiTestEnv } from './support/api.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

const campaign = apiTestEnv();
const sdkLines: string[] = [];
let stack: TestStack;
let workerUrl: string;

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      sdkLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  await installWorkerRuntime({ level: 'debug', destination });
  stack = await startStack(
    { ...campaign.env, WORKER_HEALTH_PORT: '0', HEALTH_CHECK_TIMEOUT_MS: '1000' },
    { runtimeInstalled: true },
  );
  workerUrl = stack.worker.healthUrl!;
});
afterAll(async () => {
  await stack?.close();
  campaign.cleanup();
});

async function get(url: string) {
  const res = await fetch(url);
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Prometheus text
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', body, text };
}

describe('health and readiness', () => {
  it('the API and the worker are alive and ready', async () => {
    expect(workerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const base of [stack.api.url, workerUrl]) {
      expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, body: { ok: true } });
    }
    expect(await get(`${stack.api.url}/readyz`)).toMatchObject({
      status: 200,
      body: { ready: true, checks: { database: 'ok', temporal: 'ok' } },
    });
    expect(await get(`${workerUrl}/readyz`)).toMatchObject({
      status: 200,
      body: { ready: true, checks: { worker: 'ok', database: 'ok', temporal: 'ok' } },
    });
  });

  it('an API whose Temporal does not answer is not ready, and says it is Temporal', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NURTURE_DATA_DIR: stack.config.dataDir,
      DATABASE_URL: stack.config.DATABASE_URL,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, // nothing listens there
      HEALTH_CHECK_TIMEOUT_MS: '1000',
      ...campaign.env,
    });
    const temporal = await connectClient(config, { lazy: true });
    const app = await buildServer({ config, db: stack.db, temporal, campaigns: new CampaignRegistry(config.campaignsDir) });
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const started = Date.now();
      const res = await get(`${url}/readyz`);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(res.status).toBe(503);
      expect(res.body.ready).toBe(false);
      expect(res.body.checks.database).toBe('ok');
      expect(res.body.checks.temporal).toMatch(/^(timed out after 1000 ms|failed: \w+.*)$/);
      expect(res.text).not.toContain('postgresql://');
      // Alive all the same: the process serves.
      expect((await get(`${url}/healthz`)).status).toBe(200);
    } finally {
      await app.close();
      await temporal.connection.close();
    }
  });
});

describe('metrics and logs', () => {
  it('counts a signup and its welcome email, serves the core metrics on the worker, and logs the SDK as scrubbed JSON', async () => {
    const email = stack.email('metrics');
    const res = await stack.post('/webhooks/signup', { email, firstName: 'Ada' });
    expect(res.status).toBe(202);
    await stack.inbox.waitFor((m) => m.to.includes(email));

    const id = campaign.id;
    await expect
      .poll(async () => (await get(`${stack.api.url}/metrics`)).text, POLL)
      .toContain(`nurture_emails_sent_total{campaign="${id}",template="welcome"} 1`);
    const api = await get(`${stack.api.url}/metrics`);
    expect(api.type).toMatch(/^text\/plain/);
    expect(api.text).toContain(`nurture_signups_accepted_total{campaign="${id}"} 1`);
    expect(api.text).toMatch(/^nurture_email_send_duration_seconds_count [1-9]/m);
    await expect
      .poll(async () => (await get(`${stack.api.url}/metrics`)).text, POLL)
      .toContain(`nurture_journeys{campaign="${id}",stage="awareness",status="active"} 1`);

    const worker = await get(`${workerUrl}/metrics`);
    expect(worker.status).toBe(200);
    expect(worker.text).toContain(`nurture_emails_sent_total{campaign="${id}",template="welcome"} 1`);
    // The core's series the dashboard (docs/grafana-dashboard.json) reads, in one exposition in
    // which no family is declared twice.
    expect(worker.text).toMatch(/^temporal_worker_task_slots_available\{/m);
    expect(worker.text).toMatch(/^temporal_workflow_task_schedule_to_start_latency_bucket\{/m);
    const families = [...worker.text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(new Set(families).size).toBe(families.length);
    for (const text of [api.text, worker.text]) {
      expect(text).not.toContain(email);
      expect(text).not.toContain(res.body.leadId);
    }

    // The SDK's lines: JSON, with the journey's ids as fields, never the address or the name.
    expect(sdkLines.length).toBeGreaterThan(0);
    const lines = sdkLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const journey = lines.filter((l) => l.workflowId === res.body.workflowId);
    expect(journey.length).toBeGreaterThan(0);
    expect(journey.some((l) => typeof l.runId === 'string')).toBe(true);
    expect(journey.some((l) => l.activityType === 'sendEmail')).toBe(true);
    const all = sdkLines.join('\n');
    expect(all).not.toContain(email);
    expect(all).not.toContain('"Ada"');
  });

  it('the worker stops being ready once it shuts down', async () => {
    stack.worker.worker.shutdown();
    const res = await get(`${workerUrl}/readyz`);
    expect(res.status).toBe(503);
    expect(res.body.checks.worker).toMatch(/^worker is (STOPPING|DRAINING|DRAINED|STOPPED)$/);
  });
});
