// Records one engagement event and tells the lead's running journeys about it, without holding
// a database connection while Temporal is asked (a slow or unreachable cluster must not drain
// the pool). The event row doubles as a claim with a lease:
//   1. claim: insert the row with `pending_since` set, in its own statement (committed at once),
//      and commit the suppression the event brings (stopping mail is never wrong);
//   2. signal every open journey (enrollment active or pending), no transaction open;
//   3. settle: `pending_since = null`. On a Temporal failure the claim is deleted instead and the
//      caller answers 503, so the sender's retry is processed as new.
// So a settled row exists exactly when its journeys heard of it; readers count settled rows only.
// The unique event_id makes a repeated delivery a no-op, also under concurrency: a delivery that
// finds the row settled is a duplicate; one that finds it pending polls (short queries, nothing
// held) until it is settled (duplicate) or deleted (the first failed: it claims the row and goes
// on), for at most the Temporal deadline (then 503: retry later). A claim older than the lease
// belongs to an attempt that died mid-call; it is taken over by compare-and-set. Signalling an
// event twice is harmless: the signal carries the event id and a journey ignores an id it has
// already seen (receiveEvent in core/journey/state.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { redeemDiscount } from '../activities/discount.ts';
import type { Db } from '../infra/db.ts';
import { eventsReceived } from '../observability/metrics.ts';
import type { SuppressionReason } from '../core/events.ts';
import { OPEN_ENROLLMENT_STATUSES } from '../core/enrollment.ts';
import {
  signalEngagement,
  TemporalUnavailableError,
  type SignalOutcome,
  type TemporalGate,
} from '../workflows/journey/client.ts';

export interface EngagementRecord {
  eventId: string;
  leadId: string;
  type: string;
  /** ISO 8601 */
  occurredAt: string;
  data: Record<string, unknown>;
  campaignId?: string | null;
  templateId?: string | null;
  /** Put this address on the global suppression list (committed as soon as the event is claimed). */
  suppress?: { email: string; reason: SuppressionReason; detail?: string };
}

export type RecordOutcome = ({ status: 'accepted' } & SignalOutcome) | { status: 'duplicate' };

export interface EngagementDeps {
  db: Db;
  temporal: TemporalGate;
}

export async function recordEngagement(deps: EngagementDeps, rec: EngagementRecord): Promise<RecordOutcome> {
  const outcome = await recordAndSignal(deps, rec);
  if (outcome.status === 'accepted') eventsReceived.inc({ type: rec.type });
  // A purchase naming a discount code redeems it (idempotent: a replay changes nothing).
  const code = rec.data.discountCode ?? rec.data.code;
  if (outcome.status === 'accepted' && rec.type === 'purchase' && typeof code === 'string') {
    await redeemDiscount(deps.db, { code, leadId: rec.leadId, at: new Date(rec.occurredAt) });
  }
  return outcome;
}

/**
 * How long a claim protects the attempt that made it: its signals (in parallel, each bounded by
 * the Temporal deadline), then waiting for a pool connection to settle the row, with margin.
 */
function claimLeaseMs(temporalTimeoutMs: number): number {
  return temporalTimeoutMs * 2 + 10_000;
}

/** First and longest pause between looks at a pending row of a concurrent delivery. */
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 250;

type Claim = { kind: 'claimed'; since: Date } | { kind: 'duplicate' };

async function recordAndSignal({ db, temporal }: EngagementDeps, rec: EngagementRecord): Promise<RecordOutcome> {
  const journeys = await db.enrollment.findMany({
    // A pending enrollment's journey may exist already (the API has not yet marked it active);
    // one that does not is skipped like an ended one.
    where: { leadId: rec.leadId, status: { in: [...OPEN_ENROLLMENT_STATUSES] } },
    select: { workflowId: true },
  });
  const claim = await claimEvent(db, rec, Date.now() + temporal.timeoutMs, claimLeaseMs(temporal.timeoutMs));
  if (claim.kind === 'duplicate') return { status: 'duplicate' };
  try {
    if (rec.suppress) {
      await db.suppression.createMany({
        data: [{ email: rec.suppress.email, reason: rec.suppress.reason, detail: rec.suppress.detail ?? null }],
        skipDuplicates: true,
      });
    }
    const outcome = await signalEngagement(
      temporal,
      journeys.map((j) => j.workflowId),
      { eventId: rec.eventId, type: rec.type, occurredAt: rec.occurredAt, data: rec.data },
    );
    // Whoever holds the claim now (a takeover after our lease ran out), the journeys heard it.
    await db.engagementEvent.updateMany({
      where: { eventId: rec.eventId, pendingSince: { not: null } },
      data: { pendingSince: null },
    });
    return { status: 'accepted', ...outcome };
  } catch (err) {
    // Only our own claim: a takeover's claim is that attempt's to settle or drop. If this
    // delete fails too, the row stays pending until its lease runs out and a retry takes over.
    await db.engagementEvent.deleteMany({ where: { eventId: rec.eventId, pendingSince: claim.since } }).catch(() => {});
    throw err;
  }
}

/**
 * Wins the event row for this attempt, or finds it settled (a duplicate). A pending row of a
 * concurrent attempt is looked at again, with short queries and a growing pause, until it is
 * settled, deleted (claim it) or older than the lease (take it over), up to `deadline`; then
 * the event counts as unavailable for now (503, retry later).
 */
async function claimEvent(db: Db, rec: EngagementRecord, deadline: number, leaseMs: number): Promise<Claim> {
  for (let pause = POLL_FIRST_MS; ; pause = Math.min(pause * 2, POLL_MAX_MS)) {
    const since = new Date();
    // ON CONFLICT DO NOTHING: a concurrent delivery's row is looked at, not an error.
    const { count } = await db.engagementEvent.createMany({
      data: [
        {
          eventId: rec.eventId,
          leadId: rec.leadId,
          type: rec.type,
          campaignId: rec.campaignId ?? null,
          templateId: rec.templateId ?? null,
          data: rec.data as object,
          occurredAt: new Date(rec.occurredAt),
          pendingSince: since,
        },
      ],
      skipDuplicates: true,
    });
    if (count === 1) return { kind: 'claimed', since };

    const row = await db.engagementEvent.findUnique({ where: { eventId: rec.eventId }, select: { pendingSince: true } });
    // Gone: the other attempt failed and dropped it. Claim it at once.
    if (!row) continue;
    if (row.pendingSince === null) return { kind: 'duplicate' };
    if (Date.now() - row.pendingSince.getTime() >= leaseMs) {
      // The claiming attempt died mid-call. Compare-and-set: of several that find it, one wins.
      const taken = new Date();
      const { count: won } = await db.engagementEvent.updateMany({
        where: { eventId: rec.eventId, pendingSince: row.pendingSince },
        data: { pendingSince: taken },
      });
      if (won === 1) return { kind: 'claimed', since: taken };
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new TemporalUnavailableError(new Error(`an earlier delivery of event ${rec.eventId} is still being signalled`));
    }
    await sleep(Math.min(pause, remaining));
  }
}
