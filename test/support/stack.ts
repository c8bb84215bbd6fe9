// A test's own slice of the real stack: its task queue on the shared Temporal dev server,
// the shared test database, a fresh SMTP inbox, a worker and the API on free ports.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../../config/index.ts';
import { createDb, type Db } from '../../infra/db.ts';
import { startSmtpInbox, type SmtpInbox } from '../../infra/dev/smtp-inbox.ts';
import { connectClient } from '../../infra/client.ts';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../../app/services.ts';
import type { Client } from '@temporalio/client';
import { signatureHeader } from '../../infra/signature.ts';

let runtimeInstalled = false;

export interface TestStack {
  config: Config;
  db: Db;
  inbox: SmtpInbox;
  worker: RunningWorker;
  api: RunningApi;
  temporal: Client;
  workflowBundle: { codePath: string };
  /** A unique address per test, so tests never see each other's leads. */
  email(label?: string): string;
  /**
   * POST JSON to the API. Signed with the first WEBHOOK_SECRET unless `headers` already carry a
   * Nurture-Signature or `opts.sign` is false. A string body is sent as is.
   */
  post(
    pathname: string,
    body: unknown,
    headers?: Record<string, string>,
    opts?: { sign?: boolean },
  ): Promise<{ status: number; body: any }>;
  /** Any request, answered with status, headers and body (JSON when it parses, else text). */
  request(method: string, pathname: string, opts?: RequestOptions): Promise<ApiResponse>;
  /** GET without following redirects. */
  get(pathname: string, headers?: Record<string, string>): Promise<ApiResponse>;
  /** GET with the first ADMIN_TOKENS bearer token. */
  admin(pathname: string): Promise<ApiResponse>;
  /** The Nurture-Signature header value for a raw body. */
  sign(rawBody: string | Buffer, opts?: { secret?: string; timestamp?: number }): string;
  close(): Promise<void>;
}

interface RequestOptions {
  body?: string | Buffer;
  headers?: Record<string, string>;
}

interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
  raw: Buffer;
}

async function readResponse(res: Response): Promise<ApiResponse> {
  const raw = Buffer.from(await res.arrayBuffer());
  let body: unknown = raw.toString('utf8');
  try {
    body = JSON.parse(body as string);
  } catch {
    // not JSON; the test sees the text
  }
  return { status: res.status, headers: res.headers, body, raw };
}

/** `runtimeInstalled`: the test file installed the Temporal Runtime itself (its logger, its metrics). */
export async function startStack(
  env: Record<string, string> = {},
  opts: { runtimeInstalled?: boolean } = {},
): Promise<TestStack> {
  if (!runtimeInstalled && !opts.runtimeInstalled) {
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const id = crypto.randomBytes(4).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `nurture-test-${id}-`));
  const inbox = await startSmtpInbox({ port: 0, dir: path.join(dataDir, 'inbox') });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    NURTURE_DATA_DIR: dataDir,
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${id}`,
    SMTP_URL: inbox.url,
    ...env,
  });
  const db = createDb(config.DATABASE_URL, 5);
  const worker = await startWorker(config, { db, workflowBundle: { codePath: inject('workflowBundlePath') } });
  const api = await startApi(config, { db, port: 0 });
  const temporal = await connectClient(config);
  let n = 0;
  const sign: TestStack['sign'] = (rawBody, opts = {}) =>
    signatureHeader(opts.secret ?? config.WEBHOOK_SECRET[0]!, rawBody, opts.timestamp);
  const request: TestStack['request'] = async (method, pathname, opts = {}) =>
    readResponse(await fetch(`${api.url}${pathname}`, { method, headers: opts.headers, body: opts.body, redirect: 'manual' }));
  const post: TestStack['post'] = async (pathname, body, headers = {}, opts = {}) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const signed = opts.sign !== false && !Object.keys(headers).some((h) => h.toLowerCase() === 'nurture-signature');
    const res = await request('POST', pathname, {
      body: raw,
      headers: { 'content-type': 'application/json', ...(signed ? { 'nurture-signature': sign(raw) } : {}), ...headers },
    });
    return { status: res.status, body: res.body };
  };
  return {
    config,
    db,
    inbox,
    worker,
    api,
    temporal,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    email: (label = 'lead') => `${label}-${id}-${++n}@example.com`,
    post,
    request,
    get: (pathname, headers = {}) => request('GET', pathname, { headers }),
    admin: (pathname) => request('GET', pathname, { headers: { authorization: `Bearer ${config.ADMIN_TOKENS[0]}` } }),
    sign,
    async close() {
      await api.stop();
      await worker.stop();
      await temporal.connection.close();
      await inbox.close();
      await db.$disconnect();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
