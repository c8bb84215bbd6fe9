// Once per test run: one Temporal dev server (in memory, headless), one fresh PostgreSQL
// database with the migrations applied, and the workflow code bundled once. Each test file
// then runs its own worker on its own task queue, with its own SMTP inbox and leads.
// With TEST_TEMPORAL_ADDRESS the tests use that Temporal instead of a dev server, e.g. the
// production-shaped one (`npm run temporal:prod -- start`); its `default` namespace must
// already hold the journey's search attributes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { dropDatabase, migrate } from '../infra/db.ts';
import { freePort } from '../infra/dev/ports.ts';
import { startTemporalDevServer, type DevServer } from '../infra/dev/temporal-dev.ts';
import { FAILURE_CONVERTER_PATH } from '../infra/payload-codec.ts';
import { missingSearchAttributes } from '../infra/temporal-namespace.ts';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../worker/index.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/journey/search-attributes.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    workflowBundlePath: string;
  }
}

interface Shared {
  values: { temporalAddress: string; databaseUrl: string; workflowBundlePath: string };
  teardown: () => Promise<void>;
}

/**
 * Every project that names this file (integration, differential) shares what it starts: the
 * first call starts it, the last teardown stops it. On globalThis, because each project may
 * load this module afresh.
 */
const registry = globalThis as typeof globalThis & { nurtureTestSetup?: { shared: Promise<Shared>; users: number } };

export default async function setup(project: TestProject) {
  registry.nurtureTestSetup ??= { shared: start(), users: 0 };
  const entry = registry.nurtureTestSetup;
  entry.users += 1;
  const { values, teardown } = await entry.shared;
  project.provide('temporalAddress', values.temporalAddress);
  project.provide('databaseUrl', values.databaseUrl);
  project.provide('workflowBundlePath', values.workflowBundlePath);
  return async () => {
    entry.users -= 1;
    if (entry.users > 0) return;
    registry.nurtureTestSetup = undefined;
    await teardown();
  };
}

async function start(): Promise<Shared> {
  const base = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const url = new URL(base);
  url.pathname = `/nurture_test_${process.pid}_${Date.now().toString(36)}`;
  const databaseUrl = url.toString();

  const [server] = await Promise.all([
    process.env.TEST_TEMPORAL_ADDRESS
      ? existingTemporal(process.env.TEST_TEMPORAL_ADDRESS)
      : startTemporalDevServer({
          port: await freePort(),
          searchAttributes: SEARCH_ATTRIBUTES,
          cliPath: process.env.TEMPORAL_CLI_PATH,
        }),
    migrate(databaseUrl),
  ]);
  const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-bundle-'));
  const workflowBundlePath = path.join(bundleDir, 'workflows.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietLogger,
  });
  fs.writeFileSync(workflowBundlePath, code);

  return {
    values: { temporalAddress: server.address, databaseUrl, workflowBundlePath },
    async teardown() {
      await server.stop();
      await dropDatabase(databaseUrl);
      fs.rmSync(bundleDir, { recursive: true, force: true });
    },
  };
}

/** A Temporal the tests do not own: checked, never stopped. */
async function existingTemporal(address: string): Promise<DevServer> {
  const connection = await Connection.connect({ address, connectTimeout: 5000 });
  try {
    const missing = await missingSearchAttributes(connection, 'default', SEARCH_ATTRIBUTES);
    if (missing.length > 0)
      throw new Error(`TEST_TEMPORAL_ADDRESS=${address}: namespace default lacks the search attributes ${missing.join(', ')}`);
  } finally {
    await connection.close();
  }
  return { address, stop: async () => {} };
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
