// Consent as history, enrollment, and the double opt-in that lets a person who unsubscribed
// subscribe again. A signup that claims consent for an address the person unsubscribed (or
// complained about, or had erased) cannot lift that on its own: the person gets an email with
// a sealed link, and only their click (a POST on /confirm/<token>) lifts the suppression,
// records their consent and enrolls them.
import crypto from 'node:crypto';
import { PERSON_CHOSEN_SUPPRESSIONS, type ConsentClaim } from '../core/consent.ts';
import { leadSnapshotOf, type StoredLead } from '../core/lead.ts';
import type { ParsedCampaign } from '../core/campaign/load.ts';
import type { Db } from '../infra/db.ts';
import { claimEnrollment, markEnrollmentStarted } from '../infra/enrollments.ts';
import type { Mailer } from '../infra/mailer.ts';
import { sealToken } from '../infra/tokens.ts';
import { erasedAddressHash } from '../privacy/address-hash.ts';
import { enrollLead, type EnrollResult } from '../workflows/journey/client.ts';
import { journeyWorkflowId } from '../workflows/journey/types.ts';
import { escapeHtml } from './pages.ts';
import type { RouteDeps } from './deps.ts';

/** Which edge recorded a consent event. */
export type ConsentSource = 'signup' | 'unsubscribe' | 'confirmation';

/** A confirmation link stays valid this long. */
const CONFIRMATION_TTL_MS = 7 * 24 * 3600_000;
/** At most one confirmation email per lead in this window, however many signups arrive. */
const CONFIRMATION_RESEND_MS = 24 * 3600_000;

/**
 * Appends to the lead's consent history and makes it the lead's current consent. A repeat of
 * the current consent (a signup delivered twice) adds nothing.
 */
export async function recordConsent(db: Db, leadId: string, consent: ConsentClaim, source: ConsentSource): Promise<void> {
  const at = consent.at ? new Date(consent.at) : new Date();
  const current = { given: consent.given, at: at.toISOString(), ...pick(consent), source };
  const latest = await db.consentEvent.findFirst({ where: { leadId }, orderBy: { recordedAt: 'desc' } });
  if (
    latest &&
    latest.given === consent.given &&
    latest.source === source &&
    latest.method === (consent.method ?? null) &&
    latest.text === (consent.text ?? null) &&
    (!consent.at || latest.at.getTime() === at.getTime())
  )
    return;
  await db.$transaction([
    db.consentEvent.create({
      data: { leadId, given: consent.given, at, method: consent.method ?? null, text: consent.text ?? null, source },
    }),
    db.lead.update({ where: { id: leadId }, data: { consent: current } }),
  ]);
}

function pick(c: ConsentClaim): { method?: string; text?: string } {
  return { ...(c.method ? { method: c.method } : {}), ...(c.text ? { text: c.text } : {}) };
}

/**
 * Records the enrollment row (`pending`), starts (or reaches) the journey in Temporal, then
 * marks the row `active`. A failure in between leaves a pending row that the sender's retry
 * completes, or the reconciler (worker/enrollment-reconciler.ts) finishes or removes: never an
 * active enrollment without a journey.
 */
export async function enroll(
  { db, temporal, config }: Pick<RouteDeps, 'db' | 'temporal' | 'config'>,
  lead: StoredLead,
  campaign: ParsedCampaign,
): Promise<EnrollResult> {
  const key = {
    leadId: lead.id,
    campaignId: campaign.campaign.id,
    campaignVersion: campaign.version,
    workflowId: journeyWorkflowId(campaign.campaign.id, lead.id),
  };
  await claimEnrollment(db, key);
  const result = await enrollLead(temporal, {
    lead: leadSnapshotOf(lead),
    campaign,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    historyLimit: config.JOURNEY_HISTORY_LIMIT,
  });
  // Not enrolled: the journey under this id has ended; a pending row (its end never reached
  // PostgreSQL) is the reconciler's to settle from Temporal's record.
  if (result.enrolled) await markEnrollmentStarted(db, key);
  return result;
}

export type ConfirmationRequest = 'sent' | 'already_sent';

/**
 * Asks the person to confirm: one email with a sealed link, at most one a day per lead (a
 * webhook repeated in a loop must not become a mail bomb).
 */
export async function requestConfirmation(
  deps: Pick<RouteDeps, 'db' | 'config'> & { mailer: Mailer },
  lead: { id: string; email: string },
  campaignId: string,
  consent: ConsentClaim,
): Promise<ConfirmationRequest> {
  const { db, config } = deps;
  const recent = await db.subscriptionConfirmation.findFirst({
    where: { leadId: lead.id, confirmedAt: null, createdAt: { gt: new Date(Date.now() - CONFIRMATION_RESEND_MS) } },
    select: { id: true },
  });
  if (recent) return 'already_sent';
  const id = crypto.randomUUID();
  await db.subscriptionConfirmation.create({
    data: {
      id,
      leadId: lead.id,
      campaignId,
      consent: { ...consent },
      expiresAt: new Date(Date.now() + CONFIRMATION_TTL_MS),
    },
  });
  const url = new URL(`/confirm/${sealToken(config.TRACKING_SECRET, { k: 's', i: id })}`, config.PUBLIC_URL).href;
  const sender = senderName(config.MAIL_FROM);
  try {
    await deps.mailer.sendMail({
      from: config.MAIL_FROM,
      to: lead.email,
      subject: `Confirm your subscription to ${sender}`,
      // Transactional: it exists because someone asked to subscribe this address.
      headers: { 'Auto-Submitted': 'auto-generated' },
      text: `Someone, hopefully you, asked to subscribe ${lead.email} to email from ${sender}.\n\nTo confirm, open this link and press "Subscribe":\n${url}\n\nIf it was not you, ignore this email: nothing changes and you will not hear from us again.\n\n${config.MAIL_POSTAL_ADDRESS}\n`,
      html: `<p>Someone, hopefully you, asked to subscribe ${escapeHtml(lead.email)} to email from ${escapeHtml(sender)}.</p>
<p><a href="${escapeHtml(url)}">Confirm your subscription</a></p>
<p>If it was not you, ignore this email: nothing changes and you will not hear from us again.</p>
<p style="color:#5b6475;font-size:12px">${escapeHtml(config.MAIL_POSTAL_ADDRESS)}</p>`,
    });
  } catch (err) {
    // Not sent: the next signup may try again at once.
    await db.subscriptionConfirmation.delete({ where: { id } });
    throw err;
  }
  return 'sent';
}

export type Confirmation =
  { status: 'confirmed'; email: string; enrolled: boolean } | { status: 'invalid' } | { status: 'expired'; email: string };

/** The person clicked: lift their own suppression, record their consent, enroll them. */
export async function confirmSubscription(deps: RouteDeps, confirmationId: string): Promise<Confirmation> {
  const { db, campaigns } = deps;
  const row = await db.subscriptionConfirmation.findUnique({ where: { id: confirmationId }, include: { lead: true } });
  if (!row) return { status: 'invalid' };
  if (row.confirmedAt === null) {
    if (row.expiresAt.getTime() < Date.now()) return { status: 'expired', email: row.lead.email };
    const consent = { ...(row.consent as Omit<ConsentClaim, 'given'>), given: true, method: 'double-opt-in' };
    await db.suppression.deleteMany({ where: { email: row.lead.email, reason: { in: [...PERSON_CHOSEN_SUPPRESSIONS] } } });
    await db.erasedAddress.deleteMany({ where: { hash: erasedAddressHash(deps.config.ERASURE_HASH_KEY, row.lead.email) } });
    await recordConsent(db, row.leadId, { ...consent, at: new Date().toISOString() }, 'confirmation');
    await db.subscriptionConfirmation.update({ where: { id: row.id }, data: { confirmedAt: new Date() } });
  }
  const campaign = campaigns.get(row.campaignId);
  // Confirmed, but the campaign is gone: subscribed, and the next signup enrolls.
  if (!campaign) return { status: 'confirmed', email: row.lead.email, enrolled: false };
  const result = await enroll(deps, row.lead, campaign);
  return { status: 'confirmed', email: row.lead.email, enrolled: result.enrolled };
}

/** The display name in MAIL_FROM ("Nurture <hello@…>" → "Nurture"). */
export function senderName(mailFrom: string): string {
  return /^(.*?)\s*</.exec(mailFrom)?.[1] || 'us';
}
