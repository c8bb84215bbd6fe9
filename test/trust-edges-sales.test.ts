// Outgoing sales webhooks (issue 11, item 11): signed with Nurture-Signature under their own
// secret, a timeout, bounded retries (retryable answers only). A real HTTP receiver answers a
// scripted sequence; the activity runs against the real PostgreSQL.
import crypto from 'node:crypto';
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { salesActivities, SalesWebhookError } from '../activities/sales.ts';
import { createMailer, type Mailer } from '../infra/mailer.ts';
import { verifySignature } from '../infra/signature.ts';
import { startStack, type TestStack } from './support/stack.ts';

const SALES_SECRET = 'sales-webhook-secret-for-tests-0001';

let stack: TestStack;
let mailer: Mailer;
beforeAll(async () => {
  stack = await startStack({ SALES_WEBHOOK_SECRET: SALES_SECRET });
  mailer = createMailer(stack.config);
});
afterAll(async () => {
  mailer?.close();
  await stack?.close();
});

interface Delivery {
  raw: string;
  headers: http.IncomingHttpHeaders;
}

/** A receiver that answers each delivery with the next status of `script` (the last repeats). */
async function scriptedReceiver(script: number[]) {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      deliveries.push({ raw, headers: req.headers });
      res.writeHead(script[Math.min(deliveries.length, script.length) - 1]!).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${port}/sales`, deliveries };
}
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function notify(webhook: string, onFailure?: 'throw' | 'record') {
  const lead = await stack.db.lead.create({ data: { email: stack.email('sales'), firstName: 'Ada' } });
  const req = {
    workflowId: `journey/sales-test/${lead.id}`,
    stepKey: `notify-${crypto.randomBytes(4).toString('hex')}`,
    leadId: lead.id,
    campaignId: 'sales-test',
    stage: 'decision',
    reason: 'lead qualified: score 80',
    target: { webhook },
  };
  const run = () => salesActivities({ db: stack.db, mailer, config: stack.config }, { onFailure }).notifySales(req);
  return { lead, run };
}

describe('outgoing sales webhooks', () => {
  it('are signed with Nurture-Signature under SALES_WEBHOOK_SECRET (verifiable by the receiver)', async () => {
    const receiver = await scriptedReceiver([204]);
    const { lead, run } = await notify(receiver.url);
    await run();
    expect(receiver.deliveries).toHaveLength(1);
    const [d] = receiver.deliveries;
    expect(JSON.parse(d!.raw)).toMatchObject({ lead: { id: lead.id, email: lead.email } });
    const check = (secrets: string[]) =>
      verifySignature({
        header: d!.headers['nurture-signature'],
        rawBody: d!.raw,
        secrets,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
    expect(check([SALES_SECRET])).toMatchObject({ ok: true });
    // Not the inbound webhook secret, and not a changed body.
    expect(check(stack.config.WEBHOOK_SECRET)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(
      verifySignature({
        header: d!.headers['nurture-signature'],
        rawBody: d!.raw.replace('Ada', 'Eve'),
        secrets: [SALES_SECRET],
        nowSeconds: Math.floor(Date.now() / 1000),
      }),
    ).toMatchObject({ ok: false });
  });

  it('a receiver answering 503, 503, 204 gets 3 deliveries, then nothing more', async () => {
    const receiver = await scriptedReceiver([503, 503, 204]);
    const { lead, run } = await notify(receiver.url);
    await run();
    expect(receiver.deliveries).toHaveLength(3);
    // One notification: the same Idempotency-Key on every try.
    expect(new Set(receiver.deliveries.map((d) => d.headers['idempotency-key'])).size).toBe(1);
    expect(await stack.db.salesNotification.findFirst({ where: { leadId: lead.id } })).toMatchObject({ status: 'delivered' });
    // The activity retried by Temporal (same effect key) delivers nothing again.
    await run();
    expect(receiver.deliveries).toHaveLength(3);
  });

  it('a 400 is final: exactly 1 delivery, the row is failed, the caller hears it', async () => {
    const receiver = await scriptedReceiver([400, 204]);
    const { lead, run } = await notify(receiver.url);
    await expect(run()).rejects.toBeInstanceOf(SalesWebhookError);
    expect(receiver.deliveries).toHaveLength(1);
    expect(await stack.db.salesNotification.findFirst({ where: { leadId: lead.id } })).toMatchObject({ status: 'failed' });
    await expect(run()).rejects.toBeInstanceOf(SalesWebhookError);
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('a receiver that keeps failing gets 3 deliveries; in a journey the failure is recorded and the journey goes on', async () => {
    const receiver = await scriptedReceiver([503]);
    const { lead, run } = await notify(receiver.url, 'record');
    await run();
    expect(receiver.deliveries).toHaveLength(3);
    expect(await stack.db.salesNotification.findFirst({ where: { leadId: lead.id } })).toMatchObject({ status: 'failed' });
    await run();
    expect(receiver.deliveries).toHaveLength(3);
  });

  it('408 and 429 are retried; other 4xx are not', async () => {
    const r408 = await scriptedReceiver([408, 429, 204]);
    await (await notify(r408.url)).run();
    expect(r408.deliveries).toHaveLength(3);
    const r403 = await scriptedReceiver([403]);
    await expect((await notify(r403.url)).run()).rejects.toThrow(/answered 403/);
    expect(r403.deliveries).toHaveLength(1);
  });
});
