// Once per test run: one Temporal dev server (in memory, headless), one fresh PostgreSQL
// database with the migrations applied, and the workflow code bundled once. Each test file
// then runs its own worker on its own task queue, with its own SMTP inbox and leads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { dropDatabase, migrate } from '../infra/db.ts';
import { freePort } from '../infra/dev/ports.ts';
import { startTemporalDevServer, type DevServer } from '../infra/dev/temporal-dev.ts';
import { WORKFLOWS_PATH } from '../worker/index.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/journey/search-attributes.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const base = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const url = new URL(base);
  url.pathname = `/nurture_test_${process.pid}_${Date.now().toString(36)}`;
  const databaseUrl = url.toString();

  const [server] = await Promise.all([
    startTemporalDevServer({ port: await freePort(), searchAttributes: SEARCH_ATTRIBUTES, cliPath: process.env.TEMPORAL_CLI_PATH }) as Promise<DevServer>,
    migrate(databaseUrl),
  ]);
  const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-bundle-'));
  const workflowBundlePath = path.join(bundleDir, 'workflows.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  fs.writeFileSync(workflowBundlePath, code);

  project.provide('temporalAddress', server.address);
  project.provide('databaseUrl', databaseUrl);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await server.stop();
    await dropDatabase(databaseUrl);
    fs.rmSync(bundleDir, { recursive: true, force: true });
  };
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
