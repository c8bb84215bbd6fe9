// `nurture dev`: the whole stack on embedded defaults, under one data folder, stopped
// cleanly on Ctrl-C. Temporal keeps its state in a SQLite file there, so journeys resume
// when `nurture dev` starts again.
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Config } from '../config/index.ts';
import { migrate } from '../infra/db.ts';
import { isPortFree } from '../infra/dev/ports.ts';
import { startSmtpInbox } from '../infra/dev/smtp-inbox.ts';
import { startTemporalDevServer } from '../infra/dev/temporal-dev.ts';
import { startApi, startWorker } from './services.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/journey/search-attributes.ts';

export async function runDev(config: Config): Promise<void> {
  const say = (line: string) => console.log(line);
  const temporalPort = Number(config.TEMPORAL_ADDRESS.split(':').pop());
  const smtpPort = Number(new URL(config.SMTP_URL).port || 25);
  for (const [what, port] of [
    ['Temporal (TEMPORAL_ADDRESS)', temporalPort],
    ['Temporal UI (TEMPORAL_UI_PORT)', config.TEMPORAL_UI_PORT],
    ['SMTP inbox (SMTP_URL)', smtpPort],
    ['API (PORT)', config.PORT],
  ] as const) {
    if (!(await isPortFree(port)))
      throw new Error(`${what}: port ${port} is already in use; is another \`nurture dev\` running?`);
  }
  // We stop the worker ourselves, in order, on Ctrl-C.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => console.error(err));
  };
  let stopping: Promise<void> | undefined;
  const onSignal = () => {
    if (stopping) return;
    say('\nstopping…');
    stopping = stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    say('starting the Temporal dev server…');
    const temporal = await startTemporalDevServer({
      port: temporalPort,
      uiPort: config.TEMPORAL_UI_PORT,
      uiCodecEndpoint: `${config.PUBLIC_URL.replace(/\/+$/, '')}/codec`,
      dbFile: path.join(config.dataDir, 'temporal.sqlite'),
      searchAttributes: SEARCH_ATTRIBUTES,
      namespace: config.TEMPORAL_NAMESPACE,
      cliPath: config.TEMPORAL_CLI_PATH,
      log: say,
    });
    stops.push(temporal.stop);

    say('applying database migrations…');
    await migrate(config.DATABASE_URL);

    const inbox = await startSmtpInbox({ port: smtpPort, dir: config.inboxDir });
    stops.push(inbox.close);

    const worker = await startWorker(config);
    stops.push(worker.stop);
    const api = await startApi(config);
    stops.push(api.stop);

    const db = new URL(config.DATABASE_URL);
    say('');
    say('Nurture is running:');
    say(`  API            ${api.url}   (POST /webhooks/signup, signed with WEBHOOK_SECRET)`);
    say(`  dashboard      ${api.url}/dashboard   (sign in with an ADMIN_TOKENS token)`);
    say(`  Temporal       ${temporal.address}   UI ${temporal.uiUrl}`);
    say(`  SMTP inbox     ${inbox.url}   messages in ${config.inboxDir}`);
    say(`  PostgreSQL     ${db.host}${db.pathname}`);
    say(`  data folder    ${config.dataDir}`);
    say('Press Ctrl-C to stop.');
    await worker.done;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
