// Keyset pagination over (created_at DESC, id DESC): stable while leads are added, because a
// cursor names the last row seen, not an offset. Opaque to clients (base64url JSON).
export interface LeadCursor {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(c: LeadCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString('base64url');
}

export function decodeCursor(s: string): LeadCursor | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return undefined;
    const createdAt = new Date(v[0]);
    if (Number.isNaN(createdAt.getTime()) || !UUID.test(v[1])) return undefined;
    return { createdAt, id: v[1] };
  } catch {
    return undefined;
  }
}
