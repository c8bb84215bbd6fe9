// A step's email goes out once: when the activity fails after SMTP accepted the message and
// Temporal retries it, when the step runs again, when attempts race, and while a slow SMTP
// conversation outlives the claim's lease (the attempt renews it). The one documented gap (a
// worker that died before anything recorded the accept) resends with the same Message-ID once
// the claim's lease has run out.
// The inbox stores a message before it answers 250, so once a send has returned, every
// message it delivered is already there: counting needs no waiting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { ApplicationFailure } from '@temporalio/common';
import { SMTPServer } from 'smtp-server';
import { claimStep, renewLease } from '../activities/email/claim.ts';
import { claimRowFor, sendActivities } from '../activities/email/send.ts';
import { loadCatalog } from '../email/index.ts';
import { createMailer, messageIdFor, type Mailer } from '../infra/mailer.ts';
import { startDeliveryStack, type DeliveryStack } from './delivery-support.ts';
import { effectKey } from '../core/journey/effect-key.ts';

const failAfterAccept = new Set<string>();
let stack: DeliveryStack;
let mailer: Mailer;
beforeAll(async () => {
  stack = await startDeliveryStack({
    faults: {
      // Fails the attempt once, after SMTP said 250 and before the outcome is recorded.
      afterSmtpAccept(key) {
        if (failAfterAccept.delete(key)) throw new Error('injected fault: attempt lost after SMTP accepted the message');
      },
    },
  });
  mailer = createMailer(stack.config);
});
afterAll(async () => {
  mailer?.close();
  await stack?.close();
});

describe('sendEmail exactly once', () => {
  it('delivers one message when the attempt fails after SMTP accepted and Temporal retries', async () => {
    const lead = await stack.lead({ label: 'accept-fault', firstName: 'Ada' });
    const req = stack.request(lead);
    failAfterAccept.add(effectKey(req));

    const { outcome, attempts } = await stack.send(req);
    expect(outcome).toEqual({ status: 'sent', messageId: messageIdFor(effectKey(req), stack.config.MAIL_FROM) });
    // The fault really fired and Temporal really retried.
    expect(attempts).toEqual([{ activity: 'sendEmail', attempts: 2, lastFailure: expect.stringContaining('injected fault') }]);
    expect(stack.inbox.to(lead.email)).toHaveLength(1);
    const row = await stack.db.sentMessage.findUniqueOrThrow({ where: { idempotencyKey: effectKey(req) } });
    expect(row.status).toBe('sent');
    expect(row.smtpResponse).toMatch(/^250/);
  });

  it('sends nothing when a finished step runs again', async () => {
    const lead = await stack.lead({ label: 'rerun', firstName: 'Grace' });
    const req = stack.request(lead);
    const first = await stack.send(req);
    const second = await stack.send(req);
    expect(second.outcome).toEqual(first.outcome);
    expect(stack.inbox.to(lead.email)).toHaveLength(1);
  });

  it('lets exactly one of several concurrent attempts of a step send', async () => {
    const lead = await stack.lead({ label: 'race', firstName: 'Linus' });
    const req = stack.request(lead);
    const { sendEmail } = sendActivities({
      db: stack.db,
      mailer,
      catalog: loadCatalog(stack.config.templatesDir),
      config: stack.config,
    });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => sendEmail(req)));
    // Each attempt either sent, found the step sent, or was told another attempt holds it.
    for (const r of results) {
      if (r.status === 'fulfilled') expect(r.value.status).toBe('sent');
      else expect((r.reason as ApplicationFailure).type).toBe('SendInProgress');
    }
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(stack.inbox.to(lead.email)).toHaveLength(1);
  });

  it('does not send while another attempt holds a live claim', async () => {
    const lead = await stack.lead({ label: 'held', firstName: 'Barbara' });
    const req = stack.request(lead);
    await seedClaim(req, lead, { claimedAt: new Date(Date.now() - 30_000), leaseExpiresAt: new Date(Date.now() + 40_000) });
    const { sendEmail } = sendActivities({
      db: stack.db,
      mailer,
      catalog: loadCatalog(stack.config.templatesDir),
      config: stack.config,
    });
    const err = await sendEmail(req).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('SendInProgress');
    // Temporal is asked to come back when the lease runs out, not to hammer the row.
    const delay = Number((err as ApplicationFailure).nextRetryDelay);
    expect(delay).toBeGreaterThan(30_000);
    expect(delay).toBeLessThanOrEqual(40_000);
    expect(stack.inbox.to(lead.email)).toHaveLength(0);
  });

  it('resends with the same Message-ID when the claiming worker died before recording (the documented gap)', async () => {
    const lead = await stack.lead({ label: 'stale', firstName: 'Edsger' });
    const req = stack.request(lead);
    await seedClaim(req, lead, { claimedAt: new Date(Date.now() - 5000), leaseExpiresAt: new Date(Date.now() - 1000) });

    const { outcome } = await stack.send(req);
    expect(outcome.status).toBe('sent');
    const received = await stack.inbox.waitFor((m) => m.to.includes(lead.email));
    expect((await simpleParser(received.raw)).messageId).toBe(messageIdFor(effectKey(req), stack.config.MAIL_FROM));
    expect((await stack.db.sentMessage.findUniqueOrThrow({ where: { idempotencyKey: effectKey(req) } })).status).toBe('sent');
  });
  it('judges a claim written before leases existed by its claim time plus the lease', async () => {
    const leaseMs = stack.config.SEND_CLAIM_LEASE_SECONDS * 1000;
    const lead = await stack.lead({ label: 'legacy', firstName: 'Frances' });
    const live = stack.request(lead, { stepKey: 'legacy-live' });
    const dead = stack.request(lead, { stepKey: 'legacy-dead' });
    await seedClaim(live, lead, { claimedAt: new Date(Date.now() - leaseMs + 20_000), leaseExpiresAt: null });
    await seedClaim(dead, lead, { claimedAt: new Date(Date.now() - leaseMs - 1000), leaseExpiresAt: null });
    const claim = (req: typeof live) => claimStep(stack.db, rowOf(req, lead), { leaseMs, refusal: async () => undefined });
    expect(await claim(live)).toMatchObject({ kind: 'busy' });
    expect(await claim(dead)).toMatchObject({ kind: 'claimed', resend: true });
  });

  it('does not resend a dead claim to an address suppressed meanwhile: the claim reads the suppression', async () => {
    const lead = await stack.lead({ label: 'unsub-during-lease', firstName: 'Hedy' });
    const req = stack.request(lead);
    await seedClaim(req, lead, { claimedAt: new Date(Date.now() - 5000), leaseExpiresAt: new Date(Date.now() - 1000) });
    await stack.db.suppression.create({ data: { email: lead.email, reason: 'unsubscribed' } });
    const { outcome } = await stack.send(req);
    expect(outcome).toEqual({ status: 'suppressed', reason: 'suppressed: unsubscribed' });
    expect(stack.inbox.to(lead.email)).toHaveLength(0);
  });

  it('renews a lease only for the attempt that holds it', async () => {
    const lead = await stack.lead({ label: 'renew', firstName: 'Jean' });
    const req = stack.request(lead);
    const now = Date.now();
    const first = await claimStep(stack.db, rowOf(req, lead), { leaseMs: 10_000, refusal: async () => undefined, now });
    if (first.kind !== 'claimed') throw new Error(`expected a claim, got ${first.kind}`);
    expect(await renewLease(stack.db, first.lease, 10_000, now + 5000)).toBe(true);
    expect(first.lease.expiresAt.getTime()).toBe(now + 15_000);
    // Past the first expiry but within the renewed one: still the first attempt's.
    expect(
      await claimStep(stack.db, rowOf(req, lead), { leaseMs: 10_000, refusal: async () => undefined, now: now + 12_000 }),
    ).toEqual({
      kind: 'busy',
      retryInMs: 3000,
    });
    // Renewals stopped (the worker died): a later attempt takes over, and the dead one's renewal loses.
    const stale = { ...first.lease };
    const second = await claimStep(stack.db, rowOf(req, lead), {
      leaseMs: 10_000,
      refusal: async () => undefined,
      now: now + 16_000,
    });
    expect(second).toMatchObject({ kind: 'claimed', resend: true });
    expect(await renewLease(stack.db, stale, 10_000, now + 17_000)).toBe(false);
  });
});

describe('a slow SMTP conversation', () => {
  const LEASE_SECONDS = 5;
  let slow: { port: number; close(): Promise<void>; received: number };
  let slowStack: DeliveryStack;
  beforeAll(async () => {
    slow = await startSlowSmtp(LEASE_SECONDS * 1000 * 1.6);
    slowStack = await startDeliveryStack({
      env: { SMTP_URL: `smtp://127.0.0.1:${slow.port}`, SEND_CLAIM_LEASE_SECONDS: String(LEASE_SECONDS) },
    });
  });
  afterAll(async () => {
    await slowStack?.close();
    await slow?.close();
  });

  it('keeps its claim past the lease while the attempt is alive: a second attempt waits, one message', async () => {
    const lead = await slowStack.lead({ label: 'slow-smtp', firstName: 'Katherine' });
    const req = slowStack.request(lead);
    const deps = { db: slowStack.db, catalog: loadCatalog(slowStack.config.templatesDir), config: slowStack.config };
    const slowMailer = createMailer(slowStack.config);
    try {
      const { sendEmail } = sendActivities({ ...deps, mailer: slowMailer });
      const first = sendEmail(req);
      // Past the first lease's end, while SMTP still has not answered the DATA.
      await new Promise((r) => setTimeout(r, LEASE_SECONDS * 1000 * 1.2));
      const second = await sendEmail(req).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((second as ApplicationFailure).type).toBe('SendInProgress');
      expect((await first).status).toBe('sent');
      expect(slow.received).toBe(1);
      expect((await slowStack.db.sentMessage.findUniqueOrThrow({ where: { idempotencyKey: effectKey(req) } })).status).toBe(
        'sent',
      );
    } finally {
      slowMailer.close();
    }
  });
});

/** The claim row for a delivery-test request, as the send activity writes it. */
function rowOf(req: ReturnType<DeliveryStack['request']>, lead: { id: string; email: string }) {
  return claimRowFor(req, lead, stack.config.MAIL_FROM);
}

/** An SMTP server that takes `delayMs` to answer each message's DATA, counting what it accepted. */
async function startSlowSmtp(delayMs: number) {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () =>
        setTimeout(() => {
          received += 1;
          callback();
        }, delayMs),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    get received() {
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A row as an attempt leaves it between claiming and recording. */
async function seedClaim(
  req: ReturnType<DeliveryStack['request']>,
  lead: { id: string; email: string },
  lease: { claimedAt: Date; leaseExpiresAt: Date | null },
) {
  await stack.db.sentMessage.create({ data: { ...rowOf(req, lead), status: 'claimed', ...lease } });
}
