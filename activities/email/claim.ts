// Claiming a step's send: the sent_messages row keyed by workflow id + step key moves to
// 'claimed' before SMTP is spoken to. Row states:
//   claimed    an attempt owns the send; it may be talking to SMTP right now, or have died
//   failed     the last attempt ended without delivering (4xx, SMTP unreachable): free to retry
//   sent | suppressed | bounced   finished: every later attempt returns the recorded outcome
import type { Db } from '../../infra/db.ts';
import type { Prisma, SentMessage } from '../../generated/prisma/client.ts';
import { capRetryAt, recentSendTimes, type FrequencyCap } from './frequency-cap.ts';

/**
 * How long a claim protects an attempt that may still be mid-send. Temporal starts a retry
 * once an attempt times out (start-to-close), but a timed-out attempt's SMTP conversation can
 * still be running (queued behind the pool's rate limit, a slow server); resending before it
 * is surely over would send twice. Must exceed pool queueing plus the mailer's timeouts.
 */
export const CLAIM_LEASE_MS = 10 * 60_000;

// Namespace of the per-address advisory locks (pg_advisory_xact_lock(int, int)).
const CAP_LOCK_SPACE = 0x4e55; // "NU"

export const FINISHED = new Set(['sent', 'suppressed', 'bounced']);

export type ClaimRow = Omit<SentMessage, 'id' | 'status' | 'reason' | 'smtpResponse' | 'claimedAt' | 'sentAt' | 'subject'>;

export type Claim =
  | { kind: 'claimed'; resend: boolean }
  | { kind: 'finished'; row: SentMessage }
  | { kind: 'capped'; retryAt: number }
  | { kind: 'busy'; retryInMs: number };

export async function claimStep(db: Db, row: ClaimRow, cap: FrequencyCap | undefined, now = Date.now()): Promise<Claim> {
  return db.$transaction(
    async (tx) => {
      // The cap counts and claims in one step per address, so concurrent journeys of the same
      // lead (other campaigns) cannot both slip under it.
      if (cap) await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CAP_LOCK_SPACE}::int, hashtext(${row.toAddress}))`;
      const existing = await tx.sentMessage.findUnique({ where: { idempotencyKey: row.idempotencyKey } });
      if (existing && FINISHED.has(existing.status)) return { kind: 'finished', row: existing };

      if (existing?.status === 'claimed') {
        const age = now - existing.claimedAt.getTime();
        if (age < CLAIM_LEASE_MS) return { kind: 'busy', retryInMs: CLAIM_LEASE_MS - age };
        // The claiming attempt died without recording an outcome; SMTP may or may not have
        // taken the message. Resend with the same Message-ID (at-least-once at this one gap).
        // The cap admitted this step when it was first claimed.
        return takeOver(tx, existing, now, true);
      }

      if (cap) {
        const times = await recentSendTimes(tx, row.toAddress, new Date(now - cap.perMs));
        const retryAt = capRetryAt(times, cap, now);
        if (retryAt !== undefined) return { kind: 'capped', retryAt };
      }
      if (existing) return takeOver(tx, existing, now, false);
      // ON CONFLICT DO NOTHING: losing a race with a concurrent attempt must not abort the tx.
      const { count } = await tx.sentMessage.createMany({
        data: [{ ...row, status: 'claimed', claimedAt: new Date(now) }],
        skipDuplicates: true,
      });
      return count === 1 ? { kind: 'claimed', resend: false } : { kind: 'busy', retryInMs: 1000 };
    },
    { timeout: 15_000, maxWait: 10_000 },
  );
}

/** Compare-and-set on the row's state, so two attempts never both take the same step. */
async function takeOver(tx: Prisma.TransactionClient, existing: SentMessage, now: number, resend: boolean): Promise<Claim> {
  const { count } = await tx.sentMessage.updateMany({
    where: { idempotencyKey: existing.idempotencyKey, status: existing.status, claimedAt: existing.claimedAt },
    data: { status: 'claimed', claimedAt: new Date(now), reason: null },
  });
  return count === 1 ? { kind: 'claimed', resend } : { kind: 'busy', retryInMs: 1000 };
}
