// The delivery tests' slice of the real stack: an SMTP inbox, the shared test database and
// Temporal dev server, and a worker built by startWorker (as production builds it) running
// the delivery test workflows on a task queue of its own. No API: sends are driven through
// activities on the worker, so these tests do not depend on a campaign's first step.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Payload, ProtoFailure } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import type { SendEmailRequest, SendFaults, SendEmailResult } from '../activities/email/send.ts';
import { startWorker, type RunningWorker } from '../app/services.ts';
import { loadConfig, type Config } from '../config/index.ts';
import type { Lead } from '../generated/prisma/client.ts';
import { connectClient } from '../infra/client.ts';
import { FAILURE_CONVERTER_PATH } from '../infra/payload-codec.ts';
import { createDb, type Db } from '../infra/db.ts';
import { startSmtpInbox, type SmtpInbox } from '../infra/dev/smtp-inbox.ts';

const WORKFLOWS = fileURLToPath(new URL('./delivery-workflows.ts', import.meta.url));
let bundle: Promise<{ code: string }> | undefined;

export interface DeliveryStack {
  config: Config;
  db: Db;
  inbox: SmtpInbox;
  temporal: Client;
  /** A lead row with a unique address. */
  lead(fields?: Partial<Pick<Lead, 'firstName' | 'lastName' | 'company' | 'timezone'>> & { label?: string }): Promise<Lead>;
  /** A send request for one step of a made-up journey of this lead. */
  request(lead: Lead, overrides?: Partial<SendEmailRequest>): SendEmailRequest;
  /** Runs the send through the worker (with Temporal's retries); its outcome and attempts. */
  send(req: SendEmailRequest): Promise<{ outcome: SendEmailResult; attempts: ActivityAttempts[] }>;
  /** Starts one of test/delivery-workflows.ts by name. */
  start(workflow: 'deliverySend' | 'deliveryDiscountSend', args: unknown[]): Promise<WorkflowHandle>;
  close(): Promise<void>;
}

export async function startDeliveryStack(
  opts: { env?: Record<string, string>; faults?: SendFaults } = {},
): Promise<DeliveryStack> {
  try {
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already in this process
  }
  bundle ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietLogger,
  }).then(({ code }) => ({ code }));
  const id = crypto.randomBytes(4).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `nurture-delivery-${id}-`));
  const inbox = await startSmtpInbox({ port: 0 });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    NURTURE_DATA_DIR: dataDir,
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `delivery-${id}`,
    SMTP_URL: inbox.url,
    ...opts.env,
  });
  const db = createDb(config.DATABASE_URL, 5);
  const worker: RunningWorker = await startWorker(config, { db, workflowBundle: await bundle, faults: opts.faults });
  const temporal = await connectClient(config);
  let n = 0;

  // Started by name: workflow code is only ever imported into the bundle.
  const start: DeliveryStack['start'] = (workflow, args) =>
    temporal.workflow.start(workflow, { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: `delivery-test/${id}/${++n}`, args });

  return {
    config,
    db,
    inbox,
    temporal,
    lead: ({ label = 'lead', ...fields } = {}) =>
      db.lead.create({ data: { email: `${label}-${id}-${++n}@example.com`, ...fields } }),
    request: (lead, overrides = {}) => ({
      workflowId: `journey/delivery-test/${lead.id}`,
      stepKey: 'welcome',
      leadId: lead.id,
      campaignId: 'delivery-test',
      templateId: 'welcome',
      stage: 'awareness',
      ...overrides,
    }),
    async send(req) {
      const handle = await start('deliverySend', [req]);
      const outcome = (await handle.result()) as SendEmailResult;
      return { outcome, attempts: await activityAttempts(handle) };
    },
    start,
    async close() {
      await worker.stop();
      await temporal.connection.close();
      await inbox.close();
      await db.$disconnect();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface ActivityAttempts {
  activity: string;
  /** How many attempts ran, the last one included. */
  attempts: number;
  /** Why the attempt before the last one failed. */
  lastFailure?: string;
}

/**
 * Per activity the workflow ran: how often it was attempted. Temporal writes one started event
 * per activity (the last attempt's), carrying the attempt number and the previous failure.
 */
async function activityAttempts(handle: WorkflowHandle): Promise<ActivityAttempts[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const names = new Map<string, string>();
  const out: ActivityAttempts[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) names.set(String(e.eventId), scheduled.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      out.push({
        activity: names.get(String(started.scheduledEventId)) ?? '?',
        attempts: started.attempt ?? 1,
        ...(started.lastFailure ? { lastFailure: await failureMessage(handle, started.lastFailure) } : {}),
      });
    }
  }
  return out;
}

/** A failure's message as written: failures carry it in their encodedAttributes, encrypted. */
async function failureMessage(handle: WorkflowHandle, failure: ProtoFailure): Promise<string | undefined> {
  if (!failure.encodedAttributes) return failure.message ?? undefined;
  const { payloadCodecs, payloadConverter } = handle.client.options.loadedDataConverter;
  let payloads = [failure.encodedAttributes] as Payload[];
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return payloadConverter.fromPayload<{ message?: string }>(payloads[0]!).message;
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
