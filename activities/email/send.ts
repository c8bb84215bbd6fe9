// Renders and sends one step's email exactly once. The row keyed by workflow id + step key
// is claimed before SMTP is spoken to and the outcome recorded after, so a retried
// activity finds the step done and never sends a second copy.
//
// The one gap is SMTP accepting the message and the attempt failing before the outcome is
// in PostgreSQL. It is closed in two ways: right after the accept, the attempt heartbeats
// "accepted" to Temporal, which hands those details to the next attempt, and that attempt
// records 'sent' without sending. Only if the worker dies before that heartbeat leaves the
// process does the row stay 'claimed'; after CLAIM_LEASE_MS it is sent again with the same
// Message-ID (at-least-once at that gap only; receivers de-duplicate on Message-ID).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Config } from '../../config/index.ts';
import { consentRefused } from '../../core/consent.ts';
import type { Catalog } from '../../email/index.ts';
import type { SentMessage } from '../../generated/prisma/client.ts';
import type { Db } from '../../infra/db.ts';
import { messageIdFor, type Mailer } from '../../infra/mailer.ts';
import { claimStep, FINISHED } from './claim.ts';
import { composer } from './compose.ts';
import { assertValidCap, type FrequencyCap } from './frequency-cap.ts';
import { classifySmtpError } from './smtp-errors.ts';
import { effectKey } from '../../core/journey/effect-key.ts';
import { erasedAddressHash } from '../../privacy/address-hash.ts';
import type { IssuedDiscount } from '../../core/journey/state.ts';

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
}

/** What an attempt tells Temporal once SMTP has the message, for the next attempt to find. */
interface AcceptedDetails {
  smtpAccepted: { response: string; subject: string; at: string };
}

export function sendActivities({ db, mailer, catalog, config, faults }: SendDeps) {
  const compose = composer(config, catalog);

  return {
    async sendEmail(req: SendEmailRequest): Promise<SendEmailResult> {
      const idempotencyKey = effectKey(req);
      if (req.frequencyCap) assertValidCap(req.frequencyCap);
      const existing = await db.sentMessage.findUnique({ where: { idempotencyKey } });
      if (existing && FINISHED.has(existing.status)) return outcomeOf(existing);

      const lead = await db.lead.findUnique({ where: { id: req.leadId } });
      // Erased or deleted: no retry will bring the lead back, so the journey is told at once.
      if (!lead) throw ApplicationFailure.nonRetryable(`lead ${req.leadId} no longer exists`, 'LeadGone');
      const messageId = messageIdFor(idempotencyKey, config.MAIL_FROM);
      const row = {
        idempotencyKey,
        leadId: lead.id,
        workflowId: req.workflowId,
        stepKey: req.stepKey,
        campaignId: req.campaignId,
        templateId: req.templateId,
        stage: req.stage,
        toAddress: lead.email,
        messageId,
      };

      const accepted = acceptedByEarlierAttempt();
      if (existing?.status === 'claimed' && accepted) return recordSent(db, idempotencyKey, messageId, accepted);

      // Checked at send time, not at enrollment: an unsubscribe, an erasure, or consent withdrawn
      // by a later signup stops the very next email. An erased address is known only by its
      // keyed hash (privacy/address-hash.ts).
      const [suppression, erased] = await db.$transaction([
        db.suppression.findUnique({ where: { email: lead.email } }),
        db.erasedAddress.findUnique({ where: { hash: erasedAddressHash(config.ERASURE_HASH_KEY, lead.email) } }),
      ]);
      const refusal = consentRefused(lead.consent) ? 'consent withdrawn' : erased ? 'erased' : suppression?.reason;
      if (refusal) {
        const reason = `suppressed: ${refusal}`;
        await db.sentMessage.upsert({
          where: { idempotencyKey },
          create: { ...row, status: 'suppressed', reason },
          update: { status: 'suppressed', reason },
        });
        return { status: 'suppressed', reason };
      }

      // Rendered before claiming: a template error is retried without leaving a claim behind.
      const message = compose({
        lead,
        idempotencyKey,
        messageId,
        campaignId: req.campaignId,
        templateId: req.templateId,
        discount: req.discount && { ...req.discount, expiresAt: new Date(req.discount.expiresAt).toISOString() },
      });

      const claim = await claimStep(db, row, req.frequencyCap);
      if (claim.kind === 'finished') return outcomeOf(claim.row);
      if (claim.kind === 'capped') return { status: 'capped', retryAt: claim.retryAt };
      if (claim.kind === 'busy') {
        throw ApplicationFailure.create({
          message: `step ${idempotencyKey} is claimed by another attempt that may still be sending`,
          type: 'SendInProgress',
          nextRetryDelay: Math.max(claim.retryInMs, 1000),
        });
      }

      let response: string;
      try {
        response = (await mailer.sendMail(message.mail)).response ?? '';
      } catch (err) {
        const failure = classifySmtpError(err);
        if (failure.kind === 'bounce') {
          await db.$transaction([
            db.sentMessage.update({ where: { idempotencyKey }, data: { status: 'bounced', reason: failure.reason } }),
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
          await db.sentMessage.update({ where: { idempotencyKey }, data: { status: 'failed', reason: failure.reason } });
        }
        throw ApplicationFailure.retryable(
          `smtp send failed: ${failure.reason}`,
          failure.kind === 'deferred' ? 'SmtpTemporaryFailure' : 'SmtpOutcomeUnknown',
        );
      }

      const details: AcceptedDetails = { smtpAccepted: { response, subject: message.subject, at: new Date().toISOString() } };
      heartbeat(details);
      faults?.afterSmtpAccept?.(idempotencyKey);
      return recordSent(db, idempotencyKey, messageId, details);
    },
  };
}

async function recordSent(db: Db, idempotencyKey: string, messageId: string, details: AcceptedDetails): Promise<SendEmailResult> {
  const { response, subject, at } = details.smtpAccepted;
  await db.sentMessage.updateMany({
    where: { idempotencyKey, status: 'claimed' },
    data: { status: 'sent', sentAt: new Date(at), subject, smtpResponse: response },
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
