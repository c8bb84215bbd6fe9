// Creating and dropping databases, for development and tests (production databases are
// provisioned by their operators).
import pg from 'pg';

/**
 * Creates the database named in `url` when it does not exist yet (development and tests).
 * It first connects to that database itself and stops there when it exists, so a restricted
 * role on managed PostgreSQL, which may reach its own database and nothing else, never needs
 * the `postgres` maintenance database.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`DATABASE_URL: database name "${name}" must be letters, digits or _`);
  if (await databaseExists(url)) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `DATABASE_URL: database "${name}" does not exist, and creating it needs the "postgres" maintenance database, which refused this role (${(err as Error).message}); create the database first, e.g. createdb -O <role> ${name}`,
      { cause: err },
    );
  }
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name}"`);
  } catch (err) {
    // A concurrent creator won the race; that is fine.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end();
  }
}

/** False only when the server says the database does not exist (3D000); other failures throw. */
async function databaseExists(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return false;
    throw err;
  }
  await client.end();
  return true;
}

export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}
