// Records one engagement event and tells the lead's running journeys about it, as one unit:
// the event row is inserted inside a transaction that commits only after Temporal accepted
// every signal. So an event row exists exactly when its journeys heard of it; when Temporal
// is unreachable the row is rolled back and a retry is processed as new. The unique event_id
// makes a repeated delivery a no-op, also under concurrency: a second insert of the same id
// waits for the first transaction and then finds the row (duplicate) or, if it rolled back,
// takes over.
import { redeemDiscount } from '../activities/discount.ts';
import type { Db } from '../infra/db.ts';
import type { SuppressionReason } from '../core/events.ts';
import { signalJourneys, type SignalOutcome, type TemporalGate } from './temporal.ts';

export interface EngagementRecord {
  eventId: string;
  leadId: string;
  type: string;
  /** ISO 8601 */
  occurredAt: string;
  data: Record<string, unknown>;
  campaignId?: string | null;
  templateId?: string | null;
  /** Put this address on the global suppression list in the same transaction. */
  suppress?: { email: string; reason: SuppressionReason; detail?: string };
}

export type RecordOutcome = ({ status: 'accepted' } & SignalOutcome) | { status: 'duplicate' };

export interface EngagementDeps {
  db: Db;
  temporal: TemporalGate;
}

export async function recordEngagement(deps: EngagementDeps, rec: EngagementRecord): Promise<RecordOutcome> {
  const outcome = await recordAndSignal(deps, rec);
  // A purchase naming a discount code redeems it (idempotent: a replay changes nothing).
  const code = rec.data.discountCode ?? rec.data.code;
  if (outcome.status === 'accepted' && rec.type === 'purchase' && typeof code === 'string') {
    await redeemDiscount(deps.db, { code, leadId: rec.leadId, at: new Date(rec.occurredAt) });
  }
  return outcome;
}

async function recordAndSignal({ db, temporal }: EngagementDeps, rec: EngagementRecord): Promise<RecordOutcome> {
  const journeys = await db.enrollment.findMany({
    where: { leadId: rec.leadId, status: 'active' },
    select: { workflowId: true },
  });
  return db.$transaction(
    async (tx) => {
      const { count } = await tx.engagementEvent.createMany({
        data: [
          {
            eventId: rec.eventId,
            leadId: rec.leadId,
            type: rec.type,
            campaignId: rec.campaignId ?? null,
            templateId: rec.templateId ?? null,
            data: rec.data as object,
            occurredAt: new Date(rec.occurredAt),
          },
        ],
        skipDuplicates: true,
      });
      if (count === 0) return { status: 'duplicate' as const };
      if (rec.suppress) {
        await tx.suppression.createMany({
          data: [{ email: rec.suppress.email, reason: rec.suppress.reason, detail: rec.suppress.detail ?? null }],
          skipDuplicates: true,
        });
      }
      const outcome = await signalJourneys(
        temporal,
        journeys.map((j) => j.workflowId),
        { eventId: rec.eventId, type: rec.type, occurredAt: rec.occurredAt, data: rec.data },
      );
      return { status: 'accepted' as const, ...outcome };
    },
    // Waiting for a pool connection is bounded too; a timeout there becomes a 503.
    { maxWait: 10_000, timeout: temporal.timeoutMs * 2 + 10_000 },
  );
}
