// Email addresses: what an address is (the syntax check is zod's, see schemas.ts) and the one
// spelling Nurture stores it in, so that the same person is the same lead everywhere.

/** RFC 5321's limit on a forward path. */
export const EMAIL_MAX_LENGTH = 320;
export const EMAIL_MESSAGE = 'must be an email address';

/** Trims and lower-cases the domain; the local part is kept as given (RFC 5321). */
export function normalizeEmail(raw: string): string {
  const trimmed = raw.trim();
  const at = trimmed.lastIndexOf('@');
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}
