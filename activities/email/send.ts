// Renders and sends one step's email exactly once. The row keyed by workflow id + step key
// is claimed before SMTP is spoken to and the outcome recorded after, so a retried
// activity finds the step done and never sends a second copy.
//
// The one gap is SMTP accepting the message and the attempt failing before the outcome is
// in PostgreSQL: one UPDATE right after the 250. It is narrowed in two ways: right after the
// accept, the attempt heartbeats "accepted" to Temporal, which hands those details to the next
// attempt, and that attempt records 'sent' without sending. Only if the worker dies before
// either leaves the process does the row stay 'claimed'; once its lease runs out (the attempt
// renews it while it talks to SMTP, so only a dead attempt's lease runs out) the message is
// sent again with the same Message-ID (at-least-once at that gap only; receivers de-duplicate
// on Message-ID). An SMTP server cannot be asked whether it already has a message.
//
// A send that can never succeed (the lead is gone, the address unusable, the template unknown
// or unrenderable) fails at once, not retried, with a type from core/journey/send-failures.ts.
import type { Tracer } from '@opentelemetry/api';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Config } from '../../config/index.ts';
import { consentRefused } from '../../core/consent.ts';
import type { PermanentSendFailure } from '../../core/journey/send-failures.ts';
import { emailSchema } from '../../core/rules/schemas.ts';
import { TemplateUnavailableError, type Catalog } from '../../email/index.ts';
import type { Prisma, SentMessage } from '../../generated/prisma/client.ts';
import type { Db } from '../../infra/db.ts';
import { messageIdFor, type Mailer } from '../../infra/mailer.ts';
import { leadGone } from '../lead-gone.ts';
import { claimStep, FINISHED, renewLease, type ClaimRow, type Lease } from './claim.ts';
import { composer, type ComposedMessage, type ComposeInput } from './compose.ts';
import type { FrequencyCap } from '../../core/journey/frequency-cap.ts';
import { assertValidCap } from './frequency-cap.ts';
import { classifySmtpError } from './smtp-errors.ts';
import { effectKey } from '../../core/journey/effect-key.ts';
import { erasedAddressHash } from '../../privacy/address-hash.ts';
import type { IssuedDiscount } from '../../core/journey/state.ts';
import {
  emailsBounced,
  emailsCapped,
  emailsSent,
  emailsSuppressed,
  sendClaimsExpired,
  sendDuration,
  smtpErrors,
} from '../../observability/metrics.ts';
import { smtpSendSpan } from '../../observability/tracing.ts';

export interface SendEmailRequest {
  workflowId: string;
  stepKey: string;
  leadId: string;
  campaignId: string;
  templateId: string;
  stage: string;
  /** expiresAt: ms since epoch; journeys started by earlier releases pass an ISO string. */
  discount?: Omit<IssuedDiscount, 'expiresAt'> & { expiresAt: number | string };
  /** At most `max` marketing emails to this address within `perMs` (all campaigns). */
  frequencyCap?: FrequencyCap;
}

export type SendEmailResult =
  | { status: 'sent'; messageId: string }
  | { status: 'suppressed' | 'bounced'; reason: string }
  | { status: 'capped'; retryAt: number };

/** Test-only hooks that make an attempt fail at a chosen point. */
export interface SendFaults {
  /** Called after SMTP accepted the message, before the outcome is recorded; may throw. */
  afterSmtpAccept?: (idempotencyKey: string) => void;
}

export interface SendDeps {
  db: Db;
  mailer: Mailer;
  catalog: Catalog;
  config: Config;
  faults?: SendFaults;
  /** When the worker traces: each SMTP conversation is a span (observability/tracing.ts). */
  tracer?: Tracer;
}

/** What an attempt tells Temporal once SMTP has the message, for the next attempt to find. */
interface AcceptedDetails {
  smtpAccepted: { response: string; subject: string; at: string };
}

export function sendActivities({ db, mailer, catalog, config, faults, tracer }: SendDeps) {
  const compose = composer(config, catalog);
  const leaseMs = config.SEND_CLAIM_LEASE_SECONDS * 1000;

  return {
    async sendEmail(req: SendEmailRequest): Promise<SendEmailResult> {
      const idempotencyKey = effectKey(req);
      if (req.frequencyCap) assertValidCap(req.frequencyCap);
      const existing = await db.sentMessage.findUnique({ where: { idempotencyKey } });
      if (existing && FINISHED.has(existing.status)) return outcomeOf(existing);

      const lead = await db.lead.findUnique({ where: { id: req.leadId } });
      // Erased or deleted: no retry will bring the lead back, so the journey is told at once.
      if (!lead) throw leadGone(req.leadId);
      // Stored addresses were checked at signup; one written past that check (by hand, by an
      // import) is not retried forever. The message names the lead, never the address.
      if (!emailSchema.safeParse(lead.email).success)
        throw permanentFailure('InvalidAddress', `lead ${lead.id} has an address that is not a valid email address`);
      const row = claimRowFor(req, lead, config.MAIL_FROM);
      const { messageId } = row;

      const accepted = acceptedByEarlierAttempt();
      if (existing?.status === 'claimed' && accepted) return recordSent(db, idempotencyKey, messageId, accepted);

      // Rendered before claiming: a template that cannot render leaves no claim behind.
      const message = composeOrFail(compose, {
        lead,
        idempotencyKey,
        messageId,
        campaignId: req.campaignId,
        templateId: req.templateId,
        discount: req.discount && { ...req.discount, expiresAt: new Date(req.discount.expiresAt).toISOString() },
      });

      const claim = await claimStep(db, row, {
        cap: req.frequencyCap,
        leaseMs,
        refusal: (tx) => refusalOf(tx, lead.id, erasedAddressHash(config.ERASURE_HASH_KEY, lead.email)),
      });
      const labels = { campaign: req.campaignId, template: req.templateId };
      if (claim.kind === 'finished') {
        // Finished inside the claim: refused now, or a concurrent attempt's outcome (rare).
        if (claim.row.status === 'suppressed') emailsSuppressed.inc(labels);
        return outcomeOf(claim.row);
      }
      if (claim.kind === 'capped') {
        emailsCapped.inc(labels);
        return { status: 'capped', retryAt: claim.retryAt };
      }
      if (claim.kind === 'busy') {
        throw ApplicationFailure.create({
          message: `step ${idempotencyKey} is claimed by another attempt that may still be sending`,
          type: 'SendInProgress',
          nextRetryDelay: Math.max(claim.retryInMs, 1000),
        });
      }

      if (claim.resend) sendClaimsExpired.inc(labels);

      let response: string;
      const stopRenewing = keepLease(db, claim.lease, leaseMs);
      const endTimer = sendDuration.startTimer();
      try {
        const info = await smtpSendSpan(
          tracer,
          labels,
          () => mailer.sendMail(message.mail),
          (e) => classifySmtpError(e).kind,
        );
        response = info.response ?? '';
      } catch (err) {
        const failure = classifySmtpError(err);
        smtpErrors.inc({ class: failure.kind });
        if (failure.kind === 'bounce') {
          emailsBounced.inc(labels);
          await db.$transaction([
            db.sentMessage.update({
              where: { idempotencyKey },
              data: { status: 'bounced', reason: failure.reason, leaseExpiresAt: null },
            }),
            db.suppression.upsert({
              where: { email: lead.email },
              create: { email: lead.email, reason: 'bounced', detail: failure.reason },
              update: {},
            }),
          ]);
          return { status: 'bounced', reason: failure.reason };
        }
        // 'deferred': nothing was delivered, the next attempt may send at once. 'unknown': the
        // server may have the message, so the claim stays and its lease decides.
        if (failure.kind === 'deferred') {
          await db.sentMessage.update({
            where: { idempotencyKey },
            data: { status: 'failed', reason: failure.reason, leaseExpiresAt: null },
          });
        }
        throw ApplicationFailure.retryable(
          `smtp send failed: ${failure.reason}`,
          failure.kind === 'deferred' ? 'SmtpTemporaryFailure' : 'SmtpOutcomeUnknown',
        );
      } finally {
        endTimer();
        stopRenewing();
      }

      const details: AcceptedDetails = { smtpAccepted: { response, subject: message.subject, at: new Date().toISOString() } };
      heartbeat(details);
      // Counted when SMTP took it: what the series measures is mail handed over, also when
      // recording the outcome then fails and the next attempt records it without sending.
      emailsSent.inc(labels);
      faults?.afterSmtpAccept?.(idempotencyKey);
      return recordSent(db, idempotencyKey, messageId, details);
    },
  };
}

/** The step's sent_messages row as its claim writes it: keyed by the step, with its Message-ID. */
export function claimRowFor(req: SendEmailRequest, lead: { id: string; email: string }, mailFrom: string): ClaimRow {
  const idempotencyKey = effectKey(req);
  return {
    idempotencyKey,
    leadId: lead.id,
    workflowId: req.workflowId,
    stepKey: req.stepKey,
    campaignId: req.campaignId,
    templateId: req.templateId,
    stage: req.stage,
    toAddress: lead.email,
    messageId: messageIdFor(idempotencyKey, mailFrom),
  };
}

function permanentFailure(type: PermanentSendFailure, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

function composeOrFail(compose: (input: ComposeInput) => ComposedMessage, input: ComposeInput): ComposedMessage {
  try {
    return compose(input);
  } catch (err) {
    if (!(err instanceof TemplateUnavailableError)) throw err;
    throw permanentFailure(err.problem === 'unknown' ? 'UnknownTemplate' : 'TemplateRenderFailed', err.message);
  }
}

/**
 * Why this lead must not be mailed now, read inside the claim: an unsubscribe, a complaint or a
 * bounce (global suppression), an erasure (known only by its keyed hash, privacy/address-hash.ts),
 * or consent withdrawn by a later signup.
 */
async function refusalOf(tx: Prisma.TransactionClient, leadId: string, erasedHash: string): Promise<string | undefined> {
  const lead = await tx.lead.findUnique({ where: { id: leadId }, select: { email: true, consent: true } });
  if (!lead) throw leadGone(leadId);
  if (consentRefused(lead.consent)) return 'consent withdrawn';
  if (await tx.erasedAddress.findUnique({ where: { hash: erasedHash } })) return 'erased';
  return (await tx.suppression.findUnique({ where: { email: lead.email } }))?.reason;
}

/** Renews the claim's lease every third of it until stopped; a renewal that fails is logged. */
function keepLease(db: Db, lease: Lease, leaseMs: number): () => void {
  const log = activityContext()?.log;
  const timer = setInterval(() => {
    renewLease(db, lease, leaseMs).then(
      (ours) => {
        if (!ours) log?.warn('send claim was taken over while this attempt was still sending', { key: lease.idempotencyKey });
      },
      (err: unknown) => log?.warn('send claim lease not renewed', { key: lease.idempotencyKey, error: String(err) }),
    );
  }, leaseMs / 3);
  return () => clearInterval(timer);
}

async function recordSent(db: Db, idempotencyKey: string, messageId: string, details: AcceptedDetails): Promise<SendEmailResult> {
  const { response, subject, at } = details.smtpAccepted;
  await db.sentMessage.updateMany({
    where: { idempotencyKey, status: 'claimed' },
    data: { status: 'sent', sentAt: new Date(at), subject, smtpResponse: response, leaseExpiresAt: null },
  });
  return { status: 'sent', messageId };
}

function outcomeOf(row: SentMessage): SendEmailResult {
  if (row.status === 'sent') return { status: 'sent', messageId: row.messageId };
  return { status: row.status as 'suppressed' | 'bounced', reason: row.reason ?? '' };
}

// Outside a Temporal activity (a script calling the function directly) there is no context:
// no earlier attempt to learn from and nobody to tell.
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

function acceptedByEarlierAttempt(): AcceptedDetails | undefined {
  const details = activityContext()?.info.heartbeatDetails as Partial<AcceptedDetails> | undefined;
  return details?.smtpAccepted ? (details as AcceptedDetails) : undefined;
}

function heartbeat(details: AcceptedDetails): void {
  activityContext()?.heartbeat(details);
}
