// Email addresses: what an address is (the syntax check is zod's, see schemas.ts) and the one
// spelling Nurture stores it in, so that the same person is the same lead everywhere.

/** RFC 5321's limit on a forward path. */
export const EMAIL_MAX_LENGTH = 320;
export const EMAIL_MESSAGE = 'must be an email address';

/**
 * Trims and lower-cases the whole address. RFC 5321 lets a server treat local parts
 * case-sensitively, but no mailbox provider does, and `Ada@x.com` and `ada@x.com` are one
 * person: one lead, and one unsubscribe that stops both spellings. Leads and suppressions are
 * stored in this spelling (a CHECK constraint holds the database to it).
 */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}
