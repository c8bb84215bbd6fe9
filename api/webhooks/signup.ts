// POST /webhooks/signup: validate, record the lead, then enroll it in its campaign's journey.
// The answer is sent only once the lead is in PostgreSQL and Temporal accepted the journey.
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { describeIssues, signupSchema, type Signup } from '../../core/lead.ts';
import { journeyWorkflowId, type LeadSnapshot } from '../../workflows/journey/types.ts';
import type { Db } from '../../infra/db.ts';
import { sendError } from '../errors.ts';
import { enrollJourney } from '../temporal.ts';
import type { RouteDeps } from '../server.ts';

export const SIGNUP_BODY_LIMIT = 256 * 1024;

/** Suppressions a signup with consent lifts; bounces and manual blocks stay (not about consent). */
export const CONSENT_LIFTS = ['unsubscribed', 'complained'];

/** Signup event ids live in engagement_events, namespaced so they never collide with events'. */
export const signupEventId = (eventId: string) => `signup:${eventId}`;

interface LeadRow {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  timezone: string | null;
  properties: Record<string, string | number | boolean> | null;
  inserted: boolean;
  /** The address's global suppression, if any: read in the same statement. */
  suppression_reason: string | null;
}

/**
 * One statement, atomic under concurrency (INSERT … ON CONFLICT DO UPDATE): 50 identical
 * signups at once make one lead, and exactly one of them learns it was new (xmax = 0 only
 * on the row version an INSERT created). A repeat signup fills in what it brings and keeps
 * the rest; properties are merged, newer values win.
 */
export async function upsertLead(db: Db, s: Signup): Promise<LeadRow> {
  const rows = await db.$queryRaw<LeadRow[]>`
    INSERT INTO leads (id, email, first_name, last_name, company, timezone, source, properties, consent, created_at, updated_at)
    VALUES (${crypto.randomUUID()}::uuid, ${s.email}, ${s.firstName ?? null}, ${s.lastName ?? null}, ${s.company ?? null},
            ${s.timezone ?? null}, ${s.source ?? null}, ${JSON.stringify(s.properties ?? {})}::jsonb,
            ${s.consent ? JSON.stringify(s.consent) : null}::jsonb,
            now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
    ON CONFLICT (email) DO UPDATE SET
      first_name = COALESCE(EXCLUDED.first_name, leads.first_name),
      last_name  = COALESCE(EXCLUDED.last_name, leads.last_name),
      company    = COALESCE(EXCLUDED.company, leads.company),
      timezone   = COALESCE(EXCLUDED.timezone, leads.timezone),
      source     = COALESCE(EXCLUDED.source, leads.source),
      properties = leads.properties || EXCLUDED.properties,
      consent    = COALESCE(EXCLUDED.consent, leads.consent),
      updated_at = now() AT TIME ZONE 'UTC'
    RETURNING id::text AS id, email, first_name, last_name, company, timezone, properties, (xmax = 0) AS inserted,
              (SELECT reason FROM suppressions WHERE suppressions.email = leads.email) AS suppression_reason`;
  const row = rows[0];
  if (!row) throw new Error('lead upsert returned no row');
  return row;
}

function snapshot(row: LeadRow): LeadSnapshot {
  return {
    id: row.id,
    email: row.email,
    firstName: row.first_name ?? undefined,
    lastName: row.last_name ?? undefined,
    company: row.company ?? undefined,
    timezone: row.timezone ?? undefined,
    properties: row.properties ?? {},
  };
}

export function signupRoutes({ config, db, temporal, campaigns }: RouteDeps) {
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
      let suppression = lead.suppression_reason === null ? null : { reason: lead.suppression_reason };
      if (suppression && s.consent?.given === true && CONSENT_LIFTS.includes(suppression.reason)) {
        await db.suppression.deleteMany({ where: { email: lead.email, reason: { in: CONSENT_LIFTS } } });
        suppression = null;
      }
      const workflowId = journeyWorkflowId(campaignId, lead.id);

      let enrolled = false;
      if (!suppression) {
        // ON CONFLICT DO NOTHING: concurrent signups never race on the (lead, campaign) key.
        await db.enrollment.createMany({
          data: [{ leadId: lead.id, campaignId, campaignVersion: campaign.version, workflowId }],
          skipDuplicates: true,
        });
        const result = await enrollJourney(temporal, {
          lead: snapshot(lead),
          campaign,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          historyLimit: config.JOURNEY_HISTORY_LIMIT,
        });
        enrolled = result.enrolled;
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

      return reply.code(202).send({
        leadId: lead.id,
        workflowId,
        newLead: lead.inserted,
        enrolled,
        ...(suppression ? { suppressed: true, suppressionReason: suppression.reason } : {}),
      });
    });
  };
}

function duplicateBody(leadId: string, campaignId: string) {
  return { duplicate: true, leadId, workflowId: journeyWorkflowId(campaignId, leadId) };
}
