// POST /webhooks/events: one engagement event, or a batch `{ events: [...] }` of up to 500
// answered per event. Each event is recorded and signalled as a unit (see engagement.ts).
import type { FastifyInstance } from 'fastify';
import {
  engagementEventSchema,
  eventBatchSchema,
  isBatch,
  suppressionFor,
  type EngagementEventInput,
} from '../../core/events.ts';
import { describeIssues } from '../../core/rules/schemas.ts';
import { recordEngagement } from '../engagement.ts';
import { RETRY_AFTER_SECONDS, isRetryable, sendError, unavailableBody } from '../errors.ts';
import type { RouteDeps } from '../deps.ts';

const EVENT_BODY_LIMIT = 256 * 1024;
const BATCH_BODY_LIMIT = 2 * 1024 * 1024;
/** Leads processed at once within a batch (each waits on Temporal; no pool connection is held meanwhile). */
const BATCH_CONCURRENCY = 4;

export interface EventResult {
  status: 200 | 202 | 400 | 404 | 503;
  body: Record<string, unknown>;
}

interface LeadRef {
  id: string;
  email: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined;
}

export function eventRoutes(deps: RouteDeps) {
  const { db } = deps;

  async function findLead(e: EngagementEventInput, cache: Map<string, LeadRef | null>): Promise<LeadRef | null> {
    const key = `${e.leadId ?? ''}|${e.email ?? ''}`;
    if (cache.has(key)) return cache.get(key)!;
    const lead = await db.lead.findFirst({
      where: { ...(e.leadId ? { id: e.leadId } : {}), ...(e.email ? { email: e.email } : {}) },
      select: { id: true, email: true },
    });
    cache.set(key, lead);
    return lead;
  }

  function parseEvent(raw: unknown): { ok: true; event: EngagementEventInput } | { ok: false; result: EventResult } {
    const parsed = engagementEventSchema.safeParse(raw);
    if (parsed.success) return { ok: true, event: parsed.data };
    return {
      ok: false,
      result: {
        status: 400,
        body: {
          error: 'invalid_body',
          message: 'the event does not match the event schema',
          ...eventIdOf(raw),
          issues: describeIssues(parsed.error),
        },
      },
    };
  }

  async function processEvent(e: EngagementEventInput, cache: Map<string, LeadRef | null>): Promise<EventResult> {
    const lead = await findLead(e, cache);
    if (!lead) {
      const who = e.leadId ? `id ${e.leadId}${e.email ? ` and email ${e.email}` : ''}` : `email ${e.email}`;
      return {
        status: 404,
        body: { error: 'unknown_lead', message: `no lead with ${who}; send a signup first`, eventId: e.eventId },
      };
    }
    const data = e.data ?? {};
    const reason = suppressionFor(e.type, data);
    try {
      const outcome = await recordEngagement(
        { db, temporal: deps.temporal },
        {
          eventId: e.eventId,
          leadId: lead.id,
          type: e.type,
          occurredAt: e.occurredAt ?? new Date().toISOString(),
          data,
          campaignId: str(data.campaignId),
          templateId: str(data.templateId),
          suppress: reason ? { email: lead.email, reason, detail: `event ${e.eventId}` } : undefined,
        },
      );
      if (outcome.status === 'duplicate') return { status: 200, body: { eventId: e.eventId, leadId: lead.id, duplicate: true } };
      return {
        status: 202,
        body: {
          eventId: e.eventId,
          leadId: lead.id,
          duplicate: false,
          signalled: outcome.signalled,
          ...(reason ? { suppressed: reason } : {}),
        },
      };
    } catch (err) {
      if (isRetryable(err)) {
        return { status: 503, body: { ...unavailableBody(), eventId: e.eventId } };
      }
      throw err;
    }
  }

  return async (app: FastifyInstance) => {
    app.post('/webhooks/events', { bodyLimit: BATCH_BODY_LIMIT }, async (req, reply) => {
      const cache = new Map<string, LeadRef | null>();
      if (!isBatch(req.body)) {
        if ((req.rawBody?.length ?? 0) > EVENT_BODY_LIMIT) {
          return sendError(
            reply,
            413,
            'body_too_large',
            `a single event must be at most ${EVENT_BODY_LIMIT} bytes; batches up to ${BATCH_BODY_LIMIT}`,
          );
        }
        const parsed = parseEvent(req.body);
        const r = parsed.ok ? await processEvent(parsed.event, cache) : parsed.result;
        if (r.status === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        return reply.code(r.status).send(r.body);
      }

      const batch = eventBatchSchema.safeParse(req.body);
      if (!batch.success) {
        return sendError(reply, 400, 'invalid_body', 'the body does not match the batch schema', {
          issues: describeIssues(batch.error),
        });
      }
      // Events of one lead (as identified in the body) are processed in order, one at a time, so
      // its journey hears them in the order sent; different leads proceed in parallel. Once
      // Temporal is found unreachable the rest are not tried (each would wait out the deadline).
      const events = batch.data.events;
      const results: EventResult[] = new Array(events.length);
      const groups = new Map<string, Array<{ index: number; event: EngagementEventInput }>>();
      for (const [index, raw] of events.entries()) {
        const parsed = parseEvent(raw);
        if (!parsed.ok) {
          results[index] = parsed.result;
          continue;
        }
        const key = parsed.event.leadId ?? parsed.event.email ?? '';
        const group = groups.get(key) ?? [];
        group.push({ index, event: parsed.event });
        groups.set(key, group);
      }
      let unavailable = false;
      const queue = [...groups.values()];
      const worker = async () => {
        for (let group = queue.shift(); group; group = queue.shift()) {
          for (const { index, event } of group) {
            const r: EventResult = unavailable
              ? { status: 503, body: { ...unavailableBody(), eventId: event.eventId } }
              : await processEvent(event, cache);
            if (r.status === 503) unavailable = true;
            results[index] = r;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, queue.length) }, worker));

      const count = (s: number) => results.filter((r) => r.status === s).length;
      const summary = { accepted: count(202), duplicates: count(200), rejected: results.length - count(202) - count(200) };
      // 202: every event is in (new or duplicate). 503: retry the whole batch, accepted ones will
      // come back as duplicates. 207: some events were refused for good (400/404), see each result.
      const status = unavailable ? 503 : summary.rejected === 0 ? 202 : 207;
      if (status === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return reply
        .code(status)
        .send({ ...summary, results: results.map((r, index) => ({ index, status: r.status, ...r.body })) });
    });
  };
}

function eventIdOf(raw: unknown): { eventId?: string } {
  const id = typeof raw === 'object' && raw !== null ? str((raw as { eventId?: unknown }).eventId) : undefined;
  return id ? { eventId: id } : {};
}
