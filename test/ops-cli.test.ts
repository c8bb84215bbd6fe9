// The operator's commands as an operator runs them: `nurture check`, `campaign validate`,
// `setup temporal` against the test's Temporal, and `migrate` seen through a proxy that
// records which database each connection asks for.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dropDatabase } from '../infra/db-admin.ts';
import { missingSearchAttributes } from '../infra/temporal-namespace.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/journey/search-attributes.ts';
import { nurture, tempDir } from './support/cli.ts';

// Two files, each with a problem the worker refuses: a template that does not exist and a
// duration it cannot read (the second one `templates lint` used to pass).
const TYPO = 'id: typo\nname: Typo\nstages:\n  awareness:\n    steps:\n      - send: welcome\n      - send: welcom\n';
const BAD_WAIT = 'id: slow\nname: Slow\nstages:\n  awareness:\n    steps:\n      - wait: 3 days\n      - send: faq\n';

describe('nurture check', () => {
  it('passes the shipped campaigns and templates', async () => {
    const r = await nurture(['check']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/clean/);
  });

  it('lists campaign and template problems together, sorted by file and line', async () => {
    const dir = tempDir({ 'b-typo.yaml': TYPO, 'a-slow.yaml': BAD_WAIT });
    const r = await nurture(['check'], { NURTURE_CAMPAIGNS_DIR: dir, NO_COLOR: '1' });
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/a-slow\.yaml:6:\d+ stages\.awareness\.steps\[0\]\.wait: must be a duration like 3d$/);
    expect(lines[1]).toMatch(
      /b-typo\.yaml:7:15 stages\.awareness\.steps\[1\]\.send: no template "welcom"; did you mean "welcome"\?$/,
    );
    expect(r.err).toMatch(/^2 problems/);
    // No colour codes when the output is not a terminal.
    expect(r.out).not.toContain('\u001b[');
  });

  it('prints the problems as JSON with --json', async () => {
    const dir = tempDir({ 'b-typo.yaml': TYPO });
    const r = await nurture(['check', '--json'], { NURTURE_CAMPAIGNS_DIR: dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual([
      {
        file: path.relative(path.resolve(import.meta.dirname, '..'), path.join(dir, 'b-typo.yaml')),
        line: 7,
        column: 15,
        path: 'stages.awareness.steps[1].send',
        message: 'no template "welcom"; did you mean "welcome"?',
      },
    ]);
  });

  it('exits 2 on unreadable input and on a usage error', async () => {
    const missing = await nurture(['check'], { NURTURE_TEMPLATES_DIR: path.join(os.tmpdir(), 'no-such-templates-dir') });
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/NURTURE_TEMPLATES_DIR: cannot read .*no-such-templates-dir \(ENOENT\)/);
    const usage = await nurture(['check', '--jsno']);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/unknown option '--jsno'/);
  });

  it('shows examples and exit codes in --help', async () => {
    const r = await nurture(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Exit codes: 0 clean, 1 problems found, 2 usage error or unreadable input/);
    expect(r.out).toMatch(/\$ nurture check --json/);
  });
});

describe('nurture campaign validate', () => {
  it('refuses a campaign that sends a template that does not exist', async () => {
    const dir = tempDir({ 'typo.yaml': TYPO });
    const r = await nurture(['campaign', 'validate', path.join(dir, 'typo.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/typo\.yaml:7:15 stages\.awareness\.steps\[1\]\.send: no template "welcom"; did you mean "welcome"\?/);
  });
});

describe('nurture setup temporal', () => {
  it('registers the search attributes in a fresh namespace, and is idempotent', async () => {
    const namespace = `ops-cli-${process.pid}-${Date.now().toString(36)}`;
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress') };
    const first = await nurture(['setup', 'temporal', '--namespace', namespace, '--create-namespace'], env, 120_000);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(new RegExp(`registered namespace ${namespace}`));
    expect(first.out).toMatch(
      new RegExp(`registered search attributes ${Object.keys(SEARCH_ATTRIBUTES).join(', ')} in ${namespace}`),
    );

    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      expect(await missingSearchAttributes(connection, namespace, SEARCH_ATTRIBUTES)).toEqual([]);
    } finally {
      await connection.close();
    }

    const again = await nurture(['setup', 'temporal', '--namespace', namespace], env, 120_000);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(new RegExp(`already registered in ${namespace}: ${Object.keys(SEARCH_ATTRIBUTES).join(', ')}`));
    expect(again.out).not.toMatch(/registered search attributes/);
  });

  it('says which namespace is missing without --create-namespace', async () => {
    const r = await nurture(['setup', 'temporal', '--namespace', 'no-such-namespace-ops-cli'], {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
    });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no-such-namespace-ops-cli/);
  });
});

/** A TCP proxy to PostgreSQL that records the database each connection's startup message names. */
async function recordingProxy(target: { host: string; port: number }) {
  const databases: string[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    client.once('data', (first: Buffer) => {
      // StartupMessage: length, protocol 3.0, then key\0value\0 pairs.
      const fields = first.subarray(8).toString('utf8').split('\0');
      const i = fields.indexOf('database');
      if (i >= 0) databases.push(fields[i + 1]!);
      upstream.write(first);
      client.pipe(upstream).pipe(client);
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, databases, close: () => server.close() };
}

describe('nurture migrate', () => {
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const name = `nurture_ops_${process.pid}_${Date.now().toString(36)}`;
  const direct = new URL(base);
  direct.pathname = `/${name}`;
  afterAll(() => dropDatabase(direct.toString()));

  it('connects only to the database of DATABASE_URL when it exists', async () => {
    const proxy = await recordingProxy({ host: base.hostname, port: Number(base.port || 5432) });
    try {
      const url = new URL(direct);
      url.host = `127.0.0.1:${proxy.port}`;
      // First run: the database is missing, so the maintenance database is asked to create it.
      const create = await nurture(['migrate'], { DATABASE_URL: url.toString() }, 120_000);
      expect(create.code, create.err).toBe(0);
      expect(proxy.databases.slice(0, 2)).toEqual([name, 'postgres']);

      proxy.databases.length = 0;
      const again = await nurture(['migrate'], { DATABASE_URL: url.toString() }, 120_000);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toMatch(/No pending migrations/);
      expect(proxy.databases.length).toBeGreaterThan(0);
      expect(new Set(proxy.databases)).toEqual(new Set([name]));
    } finally {
      proxy.close();
    }
  });
});
