// Keyset pagination over (created_at DESC, id DESC): stable while leads are added, because a
// cursor names the last row seen, not an offset. Opaque to clients (base64url JSON).
import { isLeadId } from '../core/rules/lead-id.ts';

export interface LeadCursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(c: LeadCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString('base64url');
}

export function decodeCursor(s: string): LeadCursor | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return undefined;
    const createdAt = new Date(v[0]);
    if (Number.isNaN(createdAt.getTime()) || !isLeadId(v[1])) return undefined;
    return { createdAt, id: v[1] };
  } catch {
    return undefined;
  }
}
