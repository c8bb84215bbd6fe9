// The frequency cap: at most `max` marketing emails to one address within `perMs`, counted
// across every campaign. A capped send is not consumed: the journey retries it at retryAt.
import type { Prisma } from '../../generated/prisma/client.ts';

export interface FrequencyCap {
  max: number;
  perMs: number;
}

/**
 * When the next send fits under the cap, or undefined if it fits now. `times` are the ms of
 * the sends already counted for the address, in any order.
 */
export function capRetryAt(times: number[], cap: FrequencyCap, now: number): number | undefined {
  const inWindow = times.filter((t) => t > now - cap.perMs).sort((a, b) => a - b);
  if (inWindow.length < cap.max) return undefined;
  // Enough of the oldest must leave the window that fewer than `max` remain: more than `max`
  // can be counted when a cap was lowered or other sends carried none.
  return inWindow[inWindow.length - cap.max]! + cap.perMs;
}

/**
 * Send times counted against the cap. In-flight claims count too: two journeys of the same
 * lead claiming at once must not both slip under the cap (the caller holds a per-address lock).
 */
export async function recentSendTimes(tx: Prisma.TransactionClient, toAddress: string, since: Date): Promise<number[]> {
  const rows = await tx.sentMessage.findMany({
    where: {
      toAddress,
      OR: [
        { status: 'sent', sentAt: { gt: since } },
        { status: 'claimed', claimedAt: { gt: since } },
      ],
    },
    select: { sentAt: true, claimedAt: true },
  });
  return rows.map((r) => (r.sentAt ?? r.claimedAt).getTime());
}

export function assertValidCap(cap: FrequencyCap): void {
  if (!Number.isInteger(cap.max) || cap.max < 1 || !(cap.perMs > 0)) {
    throw new Error(`invalid frequency cap ${JSON.stringify(cap)}: max must be an integer >= 1 and perMs > 0`);
  }
}
