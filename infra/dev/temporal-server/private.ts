// A production-shaped Temporal server private to one run (the crash campaign with
// `--temporal prod`, `npm run verify:production`): its own folder, free ports and databases,
// the given search attributes registered, and everything removed at the end.
import fs from 'node:fs';
import type { Log } from '../go-build.ts';
import { dropDatabase } from '../../db-admin.ts';
import { freePortRange } from '../ports.ts';
import type { SearchAttributeTypes } from '../../temporal-namespace.ts';
import { startProdTemporal, type ProdTemporal } from './server.ts';
import { databaseUrl, PORTS_USED, prodTemporalSettings } from './settings.ts';
import type { TlsFiles } from './tls.ts';

export interface PrivateProdTemporal {
  address: string;
  /** The CA, client certificate and key, and server name, when started with `tls`. */
  tls?: TlsFiles;
  /** The default store's and the visibility store's database URLs. */
  databases: string[];
  pid(): number;
  /** SIGTERM: the server shuts down cleanly; its storage stays for `start`. */
  stop(): Promise<void>;
  /** SIGKILL: a crash; the storage stays. Resolves with the process id killed. */
  kill(): Promise<number>;
  /** Starts it again on the same storage and ports. */
  start(): Promise<void>;
  /** Stops it and deletes its databases and folder. */
  remove(): Promise<void>;
}

/** `database`: a PostgreSQL URL whose path names the default store's database (created if absent). */
export async function startPrivateProdTemporal(opts: {
  dir: string;
  database: string;
  log: Log;
  /** Registered in the `default` namespace (the journey's own). */
  searchAttributes: SearchAttributeTypes;
  /** A TLS frontend that requires client certificates (mTLS). */
  tls?: boolean;
  /** Told each new server process, e.g. to kill it if the run dies. */
  onPid?: (pid: number) => void;
}): Promise<PrivateProdTemporal> {
  const settings = prodTemporalSettings(
    {
      TEMPORAL_PROD_DIR: opts.dir,
      TEMPORAL_PROD_PORT: String(await freePortRange(PORTS_USED)),
      TEMPORAL_PROD_DATABASE_URL: opts.database,
    },
    { searchAttributes: opts.searchAttributes, tls: opts.tls ?? false },
  );
  const databases = [settings.database.name, settings.visibilityDatabase].map((name) => databaseUrl(settings, name));
  let server: ProdTemporal | undefined;
  const start = async () => {
    server = await startProdTemporal(settings, { log: opts.log });
    opts.onPid?.(server.pid);
  };
  const removeStorage = async () => {
    for (const url of databases) await dropDatabase(url);
    fs.rmSync(opts.dir, { recursive: true, force: true });
  };
  // A server that never came up leaves nothing behind either (its databases exist by then).
  await start().catch(async (err: unknown) => {
    await removeStorage().catch(() => {});
    throw err;
  });
  return {
    address: server!.address,
    tls: server!.tls,
    databases,
    pid: () => server!.pid,
    stop: () => server!.stop(10_000),
    async kill() {
      const { pid } = server!;
      await server!.kill();
      return pid;
    },
    start,
    async remove() {
      await server?.stop(10_000);
      await removeStorage();
    },
  };
}
