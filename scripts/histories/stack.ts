// The real stack the history recorder runs journeys on: a Temporal dev server in memory on a
// free port, a fresh PostgreSQL database, the project's SMTP inbox, a local sales receiver,
// one worker bundling the workflow code of this checkout, and the API (twice: the second
// enrolls with a tiny history limit, for the continue-as-new scenario).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../../config/index.ts';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../../app/services.ts';
import { connectClient } from '../../infra/client.ts';
import { createDb, dropDatabase, migrate, type Db } from '../../infra/db.ts';
import { freePort } from '../../infra/dev/ports.ts';
import { startSmtpInbox, type SmtpInbox } from '../../infra/dev/smtp-inbox.ts';
import { startTemporalDevServer, type DevServer } from '../../infra/dev/temporal-dev.ts';
import { startReceiver, type Receiver } from '../../test/support/receiver.ts';
import { SEARCH_ATTRIBUTES } from '../../workflows/journey/search-attributes.ts';

/** Campaign files name this origin for notifySales webhooks; the recorder points it at its receiver. */
const SALES_PLACEHOLDER = 'http://sales-receiver.invalid';

/** The continue-as-new scenario's history limit (the lowest the configuration accepts). */
export const SHORT_HISTORY_LIMIT = 20;

export interface CampaignFile {
  /** Where it comes from, relative to the checkout. */
  source: string;
  text: string;
}

export interface RecordingStack {
  config: Config;
  db: Db;
  databaseUrl: string;
  temporal: Client;
  inbox: SmtpInbox;
  sales: Receiver;
  worker: RunningWorker;
  api: RunningApi;
  /** The same API, enrolling with JOURNEY_HISTORY_LIMIT = SHORT_HISTORY_LIMIT. */
  shortHistoryApi: RunningApi;
  /** What was handed to the worker and the API, after the sales placeholder was filled in. */
  campaigns: Array<CampaignFile & { written: string }>;
  stop(): Promise<void>;
}

type Log = (line: string) => void;

export async function startRecordingStack(opts: { root: string; campaigns: CampaignFile[]; log: Log }): Promise<RecordingStack> {
  const { log } = opts;
  // Worker INFO lines would drown the recorder's own progress.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        log(`teardown: ${(err as Error).message}`);
      }
    }
    stops.length = 0;
  };
  try {
    const base = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
    const url = new URL(base);
    url.pathname = `/nurture_histories_${process.pid}_${Date.now().toString(36)}`;
    const databaseUrl = url.toString();

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-histories-'));
    stops.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));

    log('starting the Temporal dev server (in memory) and migrating a fresh database');
    stops.push(() => dropDatabase(databaseUrl));
    const [server] = await Promise.all([
      startTemporalDevServer({
        port: await freePort(),
        searchAttributes: SEARCH_ATTRIBUTES,
        cliPath: process.env.TEMPORAL_CLI_PATH,
        log,
      }) as Promise<DevServer>,
      migrate(databaseUrl),
    ]);
    stops.push(() => server.stop());

    const inbox = await startSmtpInbox({ port: 0 });
    stops.push(() => inbox.close());
    const sales = await startReceiver();
    stops.push(() => sales.close());

    const campaignsDir = path.join(tmp, 'campaigns');
    fs.mkdirSync(campaignsDir);
    const campaigns = opts.campaigns.map((c) => {
      const written = c.text.replaceAll(SALES_PLACEHOLDER, sales.url);
      fs.writeFileSync(path.join(campaignsDir, path.basename(c.source)), written);
      return { ...c, written };
    });

    const config = loadConfig(
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        PORT: '0',
        NURTURE_DATA_DIR: path.join(tmp, 'data'),
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: `histories-${crypto.randomBytes(3).toString('hex')}`,
        SMTP_URL: inbox.url,
        NURTURE_CAMPAIGNS_DIR: campaignsDir,
        NURTURE_TEMPLATES_DIR: path.join(opts.root, 'templates'),
      },
      opts.root,
    );
    const db = createDb(databaseUrl, 10);
    stops.push(() => db.$disconnect());

    log('bundling the workflow code and starting a worker');
    const worker = await startWorker(config, { db });
    stops.push(() => worker.stop());
    const api = await startApi(config, { db, port: 0 });
    stops.push(() => api.stop());
    const shortHistoryApi = await startApi({ ...config, JOURNEY_HISTORY_LIMIT: SHORT_HISTORY_LIMIT }, { db, port: 0 });
    stops.push(() => shortHistoryApi.stop());
    const temporal = await connectClient(config);
    stops.push(() => temporal.connection.close());

    return { config, db, databaseUrl, temporal, inbox, sales, worker, api, shortHistoryApi, campaigns, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
