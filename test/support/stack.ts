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
import { startSmtpInbox, type SmtpInbox } from '../../infra/smtp-inbox.ts';
import { connectClient } from '../../infra/client.ts';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../../cli/services.ts';
import type { Client } from '@temporalio/client';

let runtimeInstalled = false;

export interface TestStack {
  config: Config;
  db: Db;
  inbox: SmtpInbox;
  worker: RunningWorker;
  api: RunningApi;
  temporal: Client;
  /** A unique address per test, so tests never see each other's leads. */
  email(label?: string): string;
  post(pathname: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startStack(env: Record<string, string> = {}): Promise<TestStack> {
  if (!runtimeInstalled) {
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
  return {
    config,
    db,
    inbox,
    worker,
    api,
    temporal,
    email: (label = 'lead') => `${label}-${id}-${++n}@example.com`,
    async post(pathname, body, headers = {}) {
      const res = await fetch(`${api.url}${pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON; the test sees the text
      }
      return { status: res.status, body: parsed };
    },
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
