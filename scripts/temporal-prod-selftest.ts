// Proof that the production-shaped server keeps its state in PostgreSQL: a workflow started on
// it is in the database's tables, and is still there, running and searchable, after a clean
// restart and after a crash (SIGKILL). It needs the Go-built server, so it runs as
// `npm run temporal:prod -- selftest`, not in `npm test`.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { CampaignIdKey, FunnelStageKey, StalledKey } from '../workflows/journey/search-attributes.ts';
import type { Log } from '../infra/dev/go-build.ts';
import { resolveTemporalCli } from '../infra/dev/temporal-dev.ts';
import { connectionOptions, readRunning, startProdTemporal, type ProdTemporal } from '../infra/dev/temporal-server/server.ts';
import { databaseUrl, type ProdTemporalSettings } from '../infra/dev/temporal-server/settings.ts';

export async function selftest(s: ProdTemporalSettings, log: Log): Promise<void> {
  const wasRunning = readRunning(s) !== undefined;
  let server = await startProdTemporal(s, { log });
  const id = `temporal-prod-selftest-${crypto.randomBytes(4).toString('hex')}`;
  try {
    let client = await connect(server, s.namespace);
    // No worker polls this queue: the workflow stays running with its first task pending.
    const handle = await client.workflow.start('selftestWorkflow', {
      taskQueue: id,
      workflowId: id,
      typedSearchAttributes: [
        { key: CampaignIdKey, value: id },
        { key: FunnelStageKey, value: 'selftest' },
        { key: StalledKey, value: false },
      ],
    });
    log(`started workflow ${id}`);
    await expectRows(
      s,
      s.database.name,
      'select count(*)::int as n from current_executions where workflow_id = $1',
      id,
      'current_executions',
    );
    await expectRows(
      s,
      s.visibilityDatabase,
      'select count(*)::int as n from executions_visibility where workflow_id = $1',
      id,
      'executions_visibility',
    );
    await client.connection.close();

    for (const how of ['stop', 'kill'] as const) {
      await server[how]();
      log(how === 'stop' ? 'stopped the server (SIGTERM)' : 'killed the server (SIGKILL)');
      await expectUnreachable(server);
      server = await startProdTemporal(s, { log });
      log(`started it again (pid ${server.pid})`);
      client = await connect(server, s.namespace);
      const described = await client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
      if (described.status.name !== 'RUNNING')
        throw new Error(`after ${how}: workflow ${id} is ${described.status.name}, expected RUNNING`);
      const found = await poll(`after ${how}: workflow ${id} in a CampaignId query`, async () => {
        const ids: string[] = [];
        for await (const w of client.workflow.list({
          query: `CampaignId = '${id}' AND FunnelStage = 'selftest' AND Stalled = false`,
        }))
          ids.push(w.workflowId);
        if (ids.length !== 1 || ids[0] !== id) throw new Error(`found [${ids.join(', ')}]`);
        return ids;
      });
      log(`after ${how} and restart: workflow ${id} is RUNNING and found by its search attributes (${found.length})`);
      await client.connection.close();
    }

    if (server.tls) tlsChecks(server, s.namespace, id, log);
    client = await connect(server, s.namespace);
    await client.workflow.getHandle(id).terminate('selftest done');
    await client.connection.close();
    log('selftest passed');
  } finally {
    if (!wasRunning) await server.stop();
  }
}

async function connect(server: ProdTemporal, namespace: string): Promise<Client> {
  return new Client({ connection: await Connection.connect(connectionOptions(server)), namespace });
}

async function expectRows(s: ProdTemporalSettings, database: string, sql: string, id: string, table: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl(s, database) });
  await client.connect();
  try {
    // Visibility records are written asynchronously after the start.
    await poll(`workflow ${id} in ${database}.${table}`, async () => {
      const { rows } = await client.query<{ n: number }>(sql, [id]);
      if (rows[0]?.n !== 1) throw new Error(`${rows[0]?.n ?? 0} rows`);
    });
  } finally {
    await client.end();
  }
}

async function expectUnreachable(server: ProdTemporal): Promise<void> {
  try {
    const c = await Connection.connect({ ...connectionOptions(server), connectTimeout: 2000 });
    await c.workflowService.getSystemInfo({});
    await c.close();
  } catch {
    return;
  }
  throw new Error(`the server still answers at ${server.address} after it was stopped`);
}

/** The Temporal CLI, as an operator would use it: with the client certificate it lists, without it is refused. */
function tlsChecks(server: ProdTemporal, namespace: string, workflowId: string, log: Log): void {
  const tls = server.tls!;
  const cli = resolveTemporalCli({ log });
  const base = [
    'workflow',
    'list',
    '--address',
    server.address,
    '--namespace',
    namespace,
    '--query',
    `WorkflowId = '${workflowId}'`,
    '--command-timeout',
    '10s',
  ];
  const withCert = [
    '--tls-ca-path',
    tls.caCert,
    '--tls-cert-path',
    tls.clientCert,
    '--tls-key-path',
    tls.clientKey,
    '--tls-server-name',
    tls.serverName,
  ];
  const run = (args: string[]) =>
    spawnSync(cli, args, { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  const ok = run([...base, ...withCert]);
  log(`$ temporal ${[...base, ...withCert].map(shellQuote).join(' ')}\n${(ok.stdout + ok.stderr).trim()}\n(exit ${ok.status})`);
  if (ok.status !== 0 || !ok.stdout.includes(workflowId))
    throw new Error(`temporal workflow list with the client certificate did not list ${workflowId}`);
  const noCert = run([...base, '--tls-ca-path', tls.caCert, '--tls-server-name', tls.serverName]);
  log(`without a client certificate: exit ${noCert.status}: ${(noCert.stdout + noCert.stderr).trim().split('\n').pop()}`);
  if (noCert.status === 0) throw new Error('the server accepted a client without a certificate');
  const plain = run(base);
  log(`without TLS: exit ${plain.status}: ${(plain.stdout + plain.stderr).trim().split('\n').pop()}`);
  if (plain.status === 0) throw new Error('the server accepted a plaintext client');
}

const shellQuote = (arg: string) => (/^[\w./:=-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

async function poll<T>(what: string, attempt: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(err)}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
