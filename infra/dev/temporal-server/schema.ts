// Creates and migrates Temporal's two PostgreSQL databases with its own schema tool and the
// versioned schema shipped in go.temporal.io/server. Every step is idempotent: `create`
// ignores an existing database, `setup-schema -v 0.0` keeps a newer version, and
// `update-schema` applies only the versions above the recorded one.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import type { ServerBinaries } from './binaries.ts';
import { databaseUrl, type ProdTemporalSettings } from './settings.ts';

export interface SchemaResult {
  database: string;
  before: string | undefined; // undefined: no schema yet
  after: string;
}

export async function migrateTemporalDatabases(bin: ServerBinaries, s: ProdTemporalSettings): Promise<SchemaResult[]> {
  const stores = [
    { database: s.database.name, versioned: path.join(bin.schemaDir, 'temporal', 'versioned') },
    { database: s.visibilityDatabase, versioned: path.join(bin.schemaDir, 'visibility', 'versioned') },
  ];
  const results: SchemaResult[] = [];
  for (const { database, versioned } of stores) {
    const before = await schemaVersion(s, database);
    sqlTool(bin, s, database, ['create-database']);
    sqlTool(bin, s, database, ['setup-schema', '-v', '0.0']);
    sqlTool(bin, s, database, ['update-schema', '-d', versioned]);
    const after = await schemaVersion(s, database);
    if (!after) throw new Error(`temporal-sql-tool left no schema version in ${database}`);
    results.push({ database, before, after });
  }
  return results;
}

function sqlTool(bin: ServerBinaries, s: ProdTemporalSettings, database: string, command: string[]): void {
  const args = [
    '--plugin',
    'postgres12',
    '--ep',
    s.database.host,
    '-p',
    String(s.database.port),
    '-u',
    s.database.user,
    '--db',
    database,
    ...command,
  ];
  const result = spawnSync(bin.sqlTool, args, {
    // The password goes through the environment, never the command line others can read.
    env: { PATH: process.env.PATH ?? '', SQL_PASSWORD: s.database.password },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(
      `temporal-sql-tool ${command.join(' ')} on ${database} failed (${result.status ?? result.signal ?? result.error}):\n${output}`,
    );
  }
}

/** The version temporal-sql-tool recorded, or undefined when the database or schema is missing. */
async function schemaVersion(s: ProdTemporalSettings, database: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl(s, database) });
  try {
    await client.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return undefined; // no such database
    throw err;
  }
  try {
    const { rows } = await client.query<{ curr_version: string }>('select curr_version from schema_version limit 1');
    return rows[0]?.curr_version;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return undefined; // no schema_version table
    throw err;
  } finally {
    await client.end();
  }
}

/**
 * The shard count the cluster was created with (0 before its first start). Temporal keeps it
 * for the life of the database and ignores a different numHistoryShards, with a warning.
 */
export async function persistedShardCount(s: ProdTemporalSettings): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl(s, s.database.name) });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from shards');
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}
