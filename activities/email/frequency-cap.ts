// The frequency cap's reads and checks in PostgreSQL; the rule itself is core/journey/frequency-cap.ts.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { FrequencyCap } from '../../core/journey/frequency-cap.ts';

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
