// Personal data encrypted in Temporal, on the real stack: a real signup runs its journey on a
// real worker, and the real `temporal` CLI reads the history as an operator would. Without the
// codec the history holds ciphertext only; with the codec endpoint and an admin token the CLI
// shows the decrypted payloads. The endpoint's CORS is checked as the Web UI meets it.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTemporalCli } from '../infra/dev/temporal-dev.ts';
import { apiTestEnv } from './support/api.ts';
import { startStack, type TestStack } from './support/stack.ts';

const campaign = apiTestEnv();
let stack: TestStack;
let journey: { workflowId: string; email: string; firstName: string; plan: string };

beforeAll(async () => {
  stack = await startStack(campaign.env);
  const email = stack.email('private');
  const tag = email.split('@')[0]!.replace(/\W/g, '');
  const firstName = `Ada${tag}`;
  const plan = `vermilion-${tag}`;
  const res = await stack.post('/webhooks/signup', { email, firstName, properties: { plan } });
  expect(res.status).toBe(202);
  journey = { workflowId: res.body.workflowId, email, firstName, plan };
  // The welcome email went out: the history now holds the input, the signup signal and the
  // send activity's arguments and result, all of which carry or concern the lead.
  await stack.inbox.waitFor((m) => m.to.includes(email));
  // (expect.poll is for tests only: a bounded wait by hand.)
  for (const deadline = Date.now() + 15_000; !(await completedActivities(journey.workflowId)).includes('sendEmail');) {
    if (Date.now() > deadline) throw new Error('the welcome send did not complete in the history within 15 s');
    await new Promise((r) => setTimeout(r, 200));
  }
});
afterAll(async () => {
  if (journey) await stack.temporal.workflow.getHandle(journey.workflowId).terminate('test done');
  await stack?.close();
  campaign.cleanup();
});

/** The activities whose completion the journey's history holds. */
async function completedActivities(workflowId: string): Promise<string[]> {
  const events = (await stack.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const names = new Map<string, string>();
  const done: string[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) names.set(String(e.eventId), scheduled.activityType?.name ?? '?');
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) done.push(names.get(String(completed.scheduledEventId)) ?? '?');
  }
  return done;
}

/** The real `temporal` CLI (the one the test run's dev server is), with a timeout. */
function temporalCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH });
  return new Promise((resolve) => {
    execFile(cli, args, { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}

const showArgs = () => [
  'workflow',
  'show',
  '--workflow-id',
  journey.workflowId,
  '--address',
  stack.config.TEMPORAL_ADDRESS,
  '--namespace',
  stack.config.TEMPORAL_NAMESPACE,
  '--output',
  'json',
];

/**
 * Every string in the CLI's JSON output, and what each decodes to if it is base64: `workflow
 * show -o json` prints payloads as protobuf JSON, their bytes base64-encoded.
 */
function readableText(json: string): string {
  // Every quoted string, so that a partial output (a failed command) is read too.
  const strings = [...json.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
  return strings.flatMap((v) => [v, Buffer.from(v, 'base64').toString('latin1')]).join('\n');
}

describe('a journey history read with the temporal CLI', () => {
  it('without the codec shows no plain-text address, first name or property, only encrypted payloads', async () => {
    const show = await temporalCli(showArgs());
    expect(show.code, show.stderr).toBe(0);
    const text = readableText(show.stdout);
    for (const personal of [journey.email, journey.firstName, journey.plan])
      expect(text.includes(personal), `"${personal}" is readable in the history`).toBe(false);
    expect(text).toContain(journey.workflowId);
    expect(text.includes('binary/encrypted'), 'the history holds encrypted payloads').toBe(true);
  });

  it('with the codec endpoint and an admin token shows the decrypted payloads', async () => {
    const show = await temporalCli([
      ...showArgs(),
      '--codec-endpoint',
      `${stack.api.url}/codec`,
      '--codec-auth',
      `Bearer ${stack.config.ADMIN_TOKENS[0]}`,
    ]);
    expect(show.code, show.stderr).toBe(0);
    const text = readableText(show.stdout);
    for (const personal of [journey.email, journey.firstName, journey.plan])
      expect(text.includes(personal), `"${personal}" is readable through the codec`).toBe(true);
    expect(text.includes('binary/encrypted'), 'a payload is still encrypted').toBe(false);
  });

  it('with the codec endpoint but a wrong token decrypts nothing', async () => {
    const show = await temporalCli([...showArgs(), '--codec-endpoint', `${stack.api.url}/codec`, '--codec-auth', 'Bearer nope']);
    expect(show.stderr).not.toContain(journey.email);
    expect(readableText(show.stdout).includes(journey.email), 'the address is readable').toBe(false);
    expect(show.code).not.toBe(0);
  });
});

describe('the codec endpoint', () => {
  const lead = {
    metadata: { encoding: Buffer.from('json/plain').toString('base64') },
    data: Buffer.from('"x"').toString('base64'),
  };
  const body = JSON.stringify({ payloads: [lead] });

  it('answers 401 without an admin token', async () => {
    const res = await stack.request('POST', '/codec/decode', { body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthorized');
  });

  it('answers the Temporal Web UI’s preflight from an allowed origin', async () => {
    const origin = stack.config.CODEC_CORS_ORIGINS[0]!;
    const preflight = await stack.request('OPTIONS', '/codec/decode', {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });
    expect([200, 204]).toContain(preflight.status);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = preflight.headers.get('access-control-allow-headers')!.split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-namespace']));

    const post = await stack.request('POST', '/codec/decode', {
      body,
      headers: {
        origin,
        'content-type': 'application/json',
        'x-namespace': 'default',
        authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}`,
      },
    });
    expect(post.status).toBe(200);
    expect(post.headers.get('access-control-allow-origin')).toBe(origin);
    expect(post.body).toEqual({ payloads: [lead] });
  });

  it('gives any other origin no CORS allow header, token or not', async () => {
    const origin = 'https://evil.example';
    const preflight = await stack.request('OPTIONS', '/codec/decode', {
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const post = await stack.request('POST', '/codec/decode', {
      body,
      headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${stack.config.ADMIN_TOKENS[0]}` },
    });
    expect(post.status).toBe(403);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    expect(JSON.stringify(post.body)).not.toContain('"x"');
  });
});
