// What is kept of an erased person: a keyed hash of their address, never the address. The
// hash is HMAC-SHA256 (key: ERASURE_HASH_KEY) of the trimmed, lower-cased address, so every
// case variant of it is refused and nobody without the key can test guesses against the list.
// Imported by the send activity (its suppression check) and by signup (an erased person may
// subscribe again only by confirming, like after an unsubscribe).
import crypto from 'node:crypto';
import { normalizeEmail } from '../core/rules/email.ts';
import type { Prisma } from '../generated/prisma/client.ts';

/** Hex HMAC-SHA256 of the normalized address. */
export function erasedAddressHash(key: string, email: string): string {
  return crypto.createHmac('sha256', key).update(normalizeEmail(email), 'utf8').digest('hex');
}

/** True when the address (any case) belongs to a person who was erased. */
export async function isErasedAddress(
  db: Pick<Prisma.TransactionClient, 'erasedAddress'>,
  key: string,
  email: string,
): Promise<boolean> {
  const row = await db.erasedAddress.findUnique({ where: { hash: erasedAddressHash(key, email) }, select: { hash: true } });
  return row !== null;
}
