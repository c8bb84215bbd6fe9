// npm run temporal:prod -- start [--tls] | stop [--kill] | status | selftest [--tls] | reset
// The production-shaped Temporal server (PostgreSQL persistence); see infra/dev/temporal-server/README.md.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { dropDatabase } from '../infra/db-admin.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/journey/search-attributes.ts';
import { selftest } from './temporal-prod-selftest.ts';
import { prodTemporalStatus, startProdTemporal, stopProdTemporal } from '../infra/dev/temporal-server/server.ts';
import { databaseUrl, prodTemporalSettings } from '../infra/dev/temporal-server/settings.ts';

const USAGE = `usage: npm run temporal:prod -- <command> [options]

commands:
  start [--tls]   build if needed, create/migrate the databases, start in the background,
                  register the namespace and search attributes; prints TEMPORAL_ADDRESS=…
  stop [--kill]   SIGTERM (SIGKILL after --grace seconds, default 30); --kill: SIGKILL now
  status          exit 0 when it runs and answers, 1 when it runs but does not answer, 3 when stopped
  selftest [--tls]  a workflow survives a restart and a crash (start/stop the server as needed)
  reset           stop, drop both databases, delete the data folder (certificates and log too)

settings (environment): TEMPORAL_PROD_PORT (7243), TEMPORAL_PROD_DIR (.nurture/temporal-prod),
  TEMPORAL_PROD_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/temporal_prod),
  TEMPORAL_PROD_VISIBILITY_DATABASE (<database>_visibility), TEMPORAL_PROD_SHARDS (4),
  TEMPORAL_PROD_NAMESPACE (default), TEMPORAL_PROD_LOG_LEVEL (warn)`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tls: { type: 'boolean', default: false },
      kill: { type: 'boolean', default: false },
      grace: { type: 'string', default: '30' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const settings = prodTemporalSettings(process.env, { tls: values.tls, searchAttributes: SEARCH_ATTRIBUTES });
  const log = (line: string) => console.error(line);

  switch (command) {
    case 'start': {
      const server = await startProdTemporal(settings, { log });
      log(server.alreadyRunning ? `already running (pid ${server.pid})` : `started (pid ${server.pid}); log: ${server.log}`);
      console.log(`TEMPORAL_ADDRESS=${server.address}`);
      if (settings.namespace !== 'default') console.log(`TEMPORAL_NAMESPACE=${settings.namespace}`);
      if (server.tls) {
        // The names Temporal's own environment configuration (CLI and SDK envconfig) reads.
        console.log('TEMPORAL_TLS=true');
        console.log(`TEMPORAL_TLS_SERVER_CA_CERT_PATH=${server.tls.caCert}`);
        console.log(`TEMPORAL_TLS_CLIENT_CERT_PATH=${server.tls.clientCert}`);
        console.log(`TEMPORAL_TLS_CLIENT_KEY_PATH=${server.tls.clientKey}`);
        console.log(`TEMPORAL_TLS_SERVER_NAME=${server.tls.serverName}`);
      }
      return 0;
    }
    case 'stop': {
      const grace = Number(values.grace);
      if (!Number.isFinite(grace) || grace < 0) throw new Error(`--grace: "${values.grace}" is not a number of seconds`);
      const result = await stopProdTemporal(settings, { signal: values.kill ? 'SIGKILL' : 'SIGTERM', graceMs: grace * 1000 });
      log(result);
      return 0;
    }
    case 'status': {
      const status = await prodTemporalStatus(settings);
      if (!status.running) {
        console.log('not running');
        return 3;
      }
      const { pid, address, tls } = status.info;
      console.log(
        `running (pid ${pid}) at ${address}${tls ? ' with mTLS' : ''}: ${status.serving ? `serving namespace ${settings.namespace}` : `not answering (${status.problem})`}`,
      );
      return status.serving ? 0 : 1;
    }
    case 'selftest':
      await selftest(settings, log);
      return 0;
    case 'reset': {
      log(await stopProdTemporal(settings));
      for (const name of [settings.database.name, settings.visibilityDatabase]) {
        await dropDatabase(databaseUrl(settings, name));
        log(`dropped database ${name}`);
      }
      fs.rmSync(settings.dir, { recursive: true, force: true });
      log(`removed ${settings.dir}`);
      return 0;
    }
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
