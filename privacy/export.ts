// Export (GDPR articles 15 and 20): everything Nurture holds about a lead, as JSON, read from
// the same table list erasure deletes from (privacy/tables.ts). Rows are as stored: column
// names as in PostgreSQL, times as ISO 8601 UTC. Each export writes an audit row (counts only).
import type { Db } from '../infra/db.ts';
import { normalizeEmail } from '../core/rules/email.ts';
import type { Actor } from './erase.ts';
import { LEAD_DATA_TABLES, LEADS_TABLE, selectRows, type Subject } from './tables.ts';

const EXPORT_FORMAT = 'nurture.lead-export.v1';

export interface LeadExport {
  format: typeof EXPORT_FORMAT;
  exportedAt: string;
  /** the leads row */
  lead: Record<string, unknown>;
  /** every other table holding something about the lead (by its id or its address), by table name */
  data: Record<string, Record<string, unknown>[]>;
}

/** The lead's export; undefined when there is no such lead. */
export async function exportLead(db: Db, leadId: string, actor: Actor): Promise<LeadExport | undefined> {
  const lead = await db.lead.findUnique({ where: { id: leadId }, select: { email: true } });
  if (!lead) return undefined;
  // This lead's rows, and rows that carry its address (its suppression, messages to it).
  const subject: Subject = { leadIds: [leadId], address: normalizeEmail(lead.email) };
  return db.$transaction(
    async (tx) => {
      const leadRows = await selectRows(tx, { ...LEADS_TABLE, addressColumn: undefined }, subject);
      const data: LeadExport['data'] = {};
      for (const t of LEAD_DATA_TABLES) data[t.table] = await selectRows(tx, t, subject);
      const counts = Object.fromEntries(Object.entries(data).map(([table, rows]) => [table, rows.length]));
      await tx.privacyAudit.create({
        data: { action: 'export', actor, details: { rows: { leads: leadRows.length, ...counts } } },
      });
      return { format: EXPORT_FORMAT, exportedAt: new Date().toISOString(), lead: leadRows[0]!, data };
    },
    // One snapshot: the export is consistent even while the lead's journey writes.
    { isolationLevel: 'RepeatableRead', timeout: 60_000, maxWait: 10_000 },
  );
}
