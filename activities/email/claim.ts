// Claiming a step's send: the sent_messages row keyed by workflow id + step key moves to
// 'claimed' before SMTP is spoken to. Row states:
//   claimed    an attempt owns the send until lease_expires_at; it renews the lease while its
//              SMTP conversation runs, so only a dead attempt's claim ever runs out
//   failed     the last attempt ended without delivering (4xx, SMTP unreachable): free to retry
//   sent | suppressed | bounced   finished: every later attempt returns the recorded outcome
//
// Whether the address may be mailed at all (suppression, erasure, withdrawn consent) is read
// inside the claiming transaction, so a send claimed after an unsubscribe committed never
// goes out, also when it takes over a dead attempt's claim.
import type { Db } from '../../infra/db.ts';
import type { Prisma, SentMessage } from '../../generated/prisma/client.ts';
import { capRetryAt, type FrequencyCap } from '../../core/journey/frequency-cap.ts';
import { recentSendTimes } from './frequency-cap.ts';

// Namespace of the per-address advisory locks (pg_advisory_xact_lock(int, int)).
const CAP_LOCK_SPACE = 0x4e55; // "NU"

export const FINISHED = new Set(['sent', 'suppressed', 'bounced']);

export type ClaimRow = Omit<
  SentMessage,
  'id' | 'status' | 'reason' | 'smtpResponse' | 'claimedAt' | 'sentAt' | 'subject' | 'leaseExpiresAt'
>;

/** Why the address must not be mailed now, read in the claiming transaction; undefined: it may. */
type Refusal = (tx: Prisma.TransactionClient) => Promise<string | undefined>;

export interface ClaimOptions {
  cap?: FrequencyCap;
  refusal: Refusal;
  leaseMs: number;
  now?: number;
}

export type Claim =
  | { kind: 'claimed'; resend: boolean; lease: Lease }
  | { kind: 'finished'; row: SentMessage }
  | { kind: 'capped'; retryAt: number }
  | { kind: 'busy'; retryInMs: number };

/** What the claiming attempt holds: renewing it compares against the expiry it last wrote. */
export interface Lease {
  idempotencyKey: string;
  expiresAt: Date;
}

export async function claimStep(db: Db, row: ClaimRow, opts: ClaimOptions): Promise<Claim> {
  const { cap, refusal, leaseMs } = opts;
  const now = opts.now ?? Date.now();
  return db.$transaction(
    async (tx) => {
      // The cap counts and claims in one step per address, so concurrent journeys of the same
      // lead (other campaigns) cannot both slip under it.
      if (cap) await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CAP_LOCK_SPACE}::int, hashtext(${row.toAddress}))`;
      const existing = await tx.sentMessage.findUnique({ where: { idempotencyKey: row.idempotencyKey } });
      if (existing && FINISHED.has(existing.status)) return { kind: 'finished', row: existing };

      // A live claim: its attempt may be talking to SMTP right now; come back when it must be over.
      const expiry = existing?.status === 'claimed' ? leaseExpiry(existing, leaseMs) : undefined;
      if (expiry !== undefined && expiry > now) return { kind: 'busy', retryInMs: expiry - now };

      const refused = await refusal(tx);
      if (refused !== undefined) {
        const reason = `suppressed: ${refused}`;
        const suppressed = await tx.sentMessage.upsert({
          where: { idempotencyKey: row.idempotencyKey },
          create: { ...row, status: 'suppressed', reason },
          update: { status: 'suppressed', reason, leaseExpiresAt: null },
        });
        return { kind: 'finished', row: suppressed };
      }

      // The claiming attempt died without recording an outcome; SMTP may or may not have taken
      // the message. Resend with the same Message-ID (at-least-once at this one gap). The cap
      // admitted this step when it was first claimed.
      if (expiry !== undefined) return takeOver(tx, existing!, now, leaseMs, true);

      if (cap) {
        const times = await recentSendTimes(tx, row.toAddress, new Date(now - cap.perMs));
        const retryAt = capRetryAt(times, cap, now);
        if (retryAt !== undefined) return { kind: 'capped', retryAt };
      }
      if (existing) return takeOver(tx, existing, now, leaseMs, false);
      // ON CONFLICT DO NOTHING: losing a race with a concurrent attempt must not abort the tx.
      const expiresAt = new Date(now + leaseMs);
      const { count } = await tx.sentMessage.createMany({
        data: [{ ...row, status: 'claimed', claimedAt: new Date(now), leaseExpiresAt: expiresAt }],
        skipDuplicates: true,
      });
      return count === 1
        ? { kind: 'claimed', resend: false, lease: { idempotencyKey: row.idempotencyKey, expiresAt } }
        : { kind: 'busy', retryInMs: 1000 };
    },
    { timeout: 15_000, maxWait: 10_000 },
  );
}

/** Rows claimed before leases were written carry none: their claim time plus a lease. */
function leaseExpiry(row: SentMessage, leaseMs: number): number {
  return (row.leaseExpiresAt ?? new Date(row.claimedAt.getTime() + leaseMs)).getTime();
}

/** Compare-and-set on the row's state, so two attempts never both take the same step. */
async function takeOver(
  tx: Prisma.TransactionClient,
  existing: SentMessage,
  now: number,
  leaseMs: number,
  resend: boolean,
): Promise<Claim> {
  const expiresAt = new Date(now + leaseMs);
  const { count } = await tx.sentMessage.updateMany({
    where: {
      idempotencyKey: existing.idempotencyKey,
      status: existing.status,
      claimedAt: existing.claimedAt,
      // A renewal that landed after we read the row keeps the claim with its live attempt.
      leaseExpiresAt: existing.leaseExpiresAt,
    },
    data: { status: 'claimed', claimedAt: new Date(now), leaseExpiresAt: expiresAt, reason: null },
  });
  return count === 1
    ? { kind: 'claimed', resend, lease: { idempotencyKey: existing.idempotencyKey, expiresAt } }
    : { kind: 'busy', retryInMs: 1000 };
}

/**
 * Extends a live claim by `leaseMs` from now. False when the claim is no longer ours: another
 * attempt took it over after our lease ran out (only if renewals failed for a whole lease).
 */
export async function renewLease(db: Db, lease: Lease, leaseMs: number, now = Date.now()): Promise<boolean> {
  const expiresAt = new Date(now + leaseMs);
  const { count } = await db.sentMessage.updateMany({
    where: { idempotencyKey: lease.idempotencyKey, status: 'claimed', leaseExpiresAt: lease.expiresAt },
    data: { leaseExpiresAt: expiresAt },
  });
  if (count === 1) lease.expiresAt = expiresAt;
  return count === 1;
}
