// POST /webhooks/signup: validate, record the lead, then enroll it in its campaign's journey.
// The answer is sent only once the lead is in PostgreSQL and Temporal accepted the journey.
// Consent decides first (core/consent.ts): refused → stored, never enrolled; an address the
// person unsubscribed → they are asked to confirm by email (api/consent.ts).
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { decideSignup } from '../../core/consent.ts';
import { signupSchema, type Signup, type StoredLead } from '../../core/lead.ts';
import { describeIssues } from '../../core/rules/schemas.ts';
import { isErasedAddress } from '../../privacy/address-hash.ts';
import { journeyWorkflowId } from '../../workflows/journey/types.ts';
import type { Db } from '../../infra/db.ts';
import { enroll, recordConsent, requestConfirmation } from '../consent.ts';
import { signupsAccepted } from '../../observability/metrics.ts';
import { sendError } from '../errors.ts';
import type { RouteDeps } from '../deps.ts';

const SIGNUP_BODY_LIMIT = 256 * 1024;

/** Signup event ids live in engagement_events, namespaced so they never collide with events'. */
const signupEventId = (eventId: string) => `signup:${eventId}`;

interface LeadRow extends StoredLead {
  /** The latest recorded consent, before this signup. */
  consent: unknown;
  inserted: boolean;
  /** The address's global suppression, if any: read in the same statement. */
  suppression_reason: string | null;
}

/**
 * One statement, atomic under concurrency (INSERT … ON CONFLICT DO UPDATE): 50 identical
 * signups at once make one lead, and exactly one of them learns it was new (xmax = 0 only
 * on the row version an INSERT created). A repeat signup fills in what it brings and keeps
 * the rest; properties are merged, newer values win. Consent is not written here: it is
 * recorded as history once the signup's decision is known.
 */
async function upsertLead(db: Db, s: Signup): Promise<LeadRow> {
  const rows = await db.$queryRaw<LeadRow[]>`
    INSERT INTO leads (id, email, first_name, last_name, company, timezone, source, properties, created_at, updated_at)
    VALUES (${crypto.randomUUID()}::uuid, ${s.email}, ${s.firstName ?? null}, ${s.lastName ?? null}, ${s.company ?? null},
            ${s.timezone ?? null}, ${s.source ?? null}, ${JSON.stringify(s.properties ?? {})}::jsonb,
            now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
    ON CONFLICT (email) DO UPDATE SET
      first_name = COALESCE(EXCLUDED.first_name, leads.first_name),
      last_name  = COALESCE(EXCLUDED.last_name, leads.last_name),
      company    = COALESCE(EXCLUDED.company, leads.company),
      timezone   = COALESCE(EXCLUDED.timezone, leads.timezone),
      source     = COALESCE(EXCLUDED.source, leads.source),
      properties = leads.properties || EXCLUDED.properties,
      updated_at = now() AT TIME ZONE 'UTC'
    RETURNING id::text AS id, email, first_name AS "firstName", last_name AS "lastName", company, timezone, properties, consent, (xmax = 0) AS inserted,
              (SELECT reason FROM suppressions WHERE suppressions.email = leads.email) AS suppression_reason`;
  const row = rows[0];
  if (!row) throw new Error('lead upsert returned no row');
  return row;
}

export function signupRoutes({ config, db, temporal, campaigns, mailer }: RouteDeps) {
  return async (app: FastifyInstance) => {
    app.post('/webhooks/signup', { bodyLimit: SIGNUP_BODY_LIMIT }, async (req, reply) => {
      const parsed = signupSchema.safeParse(req.body);
      if (!parsed.success) {
        return sendError(reply, 400, 'invalid_body', 'the body does not match the signup schema', {
          issues: describeIssues(parsed.error),
        });
      }
      const s = parsed.data;
      const campaignId = s.campaign ?? config.DEFAULT_CAMPAIGN;
      const campaign = campaigns.get(campaignId);
      if (!campaign) {
        return sendError(reply, 400, 'invalid_body', 'the body does not match the signup schema', {
          issues: [
            {
              field: 'campaign',
              problem: s.campaign ? `no campaign "${campaignId}"` : `the default campaign "${campaignId}" is not available`,
            },
          ],
        });
      }

      if (s.eventId) {
        const seen = await db.engagementEvent.findUnique({ where: { eventId: signupEventId(s.eventId) } });
        if (seen) return reply.code(200).send(duplicateBody(seen.leadId, seen.campaignId ?? campaignId));
      }

      const lead = await upsertLead(db, s);
      const workflowId = journeyWorkflowId(campaignId, lead.id);
      // An erased person is suppressed like one who unsubscribed: only their own confirmation
      // brings them back (privacy/address-hash.ts).
      const suppression =
        lead.suppression_reason ?? ((await isErasedAddress(db, config.ERASURE_HASH_KEY, lead.email)) ? 'erased' : null);
      const decision = decideSignup({ consent: s.consent, recorded: lead.consent, suppression });
      // Consent this signup brings is history, also when refused; a claim of consent for an
      // address the person unsubscribed is recorded only once they confirm it.
      if (s.consent && decision.kind !== 'confirm') await recordConsent(db, lead.id, s.consent, 'signup');

      let answer: Record<string, unknown>;
      if (decision.kind === 'enroll') {
        answer = { enrolled: (await enroll({ db, temporal, config }, lead, campaign)).enrolled };
      } else if (decision.kind === 'no_consent') {
        answer = { enrolled: false, consent: 'refused' };
      } else {
        answer = { enrolled: false, suppressed: true, suppressionReason: decision.reason };
        if (decision.kind === 'confirm') {
          try {
            answer.confirmation = await requestConfirmation({ db, config, mailer }, lead, campaignId, s.consent!);
          } catch (err) {
            req.log.error({ err, leadId: lead.id }, 'the subscription confirmation could not be sent');
            return sendError(reply, 503, 'unavailable', 'the confirmation email could not be sent; retry later');
          }
        }
      }

      if (s.eventId) {
        const { count } = await db.engagementEvent.createMany({
          data: [
            {
              eventId: signupEventId(s.eventId),
              leadId: lead.id,
              type: 'signup',
              campaignId,
              data: { source: s.source ?? null },
            },
          ],
          skipDuplicates: true,
        });
        // A concurrent delivery of the same signup recorded it first: same outcome, one 202.
        if (count === 0) return reply.code(200).send(duplicateBody(lead.id, campaignId));
      }

      signupsAccepted.inc({ campaign: campaignId });
      return reply.code(202).send({ leadId: lead.id, workflowId, newLead: lead.inserted, ...answer });
    });
  };
}

function duplicateBody(leadId: string, campaignId: string) {
  return { duplicate: true, leadId, workflowId: journeyWorkflowId(campaignId, leadId) };
}
