// A lead id is a UUID (the column is uuid): anything else can only be an unknown lead, and must
// not reach PostgreSQL as a cast error. Stored and compared in lower case.
export const LEAD_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const LEAD_ID_MESSAGE = 'must be a lead id (UUID)';

export function isLeadId(s: string): boolean {
  return LEAD_ID_PATTERN.test(s);
}
