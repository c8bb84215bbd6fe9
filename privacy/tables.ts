// Where Nurture keeps anything about a person: THE list erasure deletes from and export reads
// from. A table is here when it has a column naming a lead (its id) or an address. Foreign keys
// are not relied on: sales_notifications and suppressions have none. privacy/tables.test.ts
// fails when prisma/schema.prisma gains such a column that this list does not name.
import type { Prisma } from '../generated/prisma/client.ts';

export interface PersonalDataTable {
  /** The PostgreSQL table, as in the migrations. */
  readonly table: string;
  /** A uuid column holding the lead's id. */
  readonly leadColumn?: string;
  /** A text column holding an address, matched trimmed and lower-cased. */
  readonly addressColumn?: string;
  /** A column holding a journey's workflow id (whose executions erasure deletes from Temporal). */
  readonly workflowColumn?: string;
  /** Export order. */
  readonly timeColumn: string;
}

/** The lead itself: deleted last, exported as `lead`. */
export const LEADS_TABLE = {
  table: 'leads',
  leadColumn: 'id',
  addressColumn: 'email',
  timeColumn: 'created_at',
} as const satisfies PersonalDataTable;

/** Everything else held about a lead, in deletion order. */
export const LEAD_DATA_TABLES: readonly PersonalDataTable[] = [
  { table: 'enrollments', leadColumn: 'lead_id', workflowColumn: 'workflow_id', timeColumn: 'enrolled_at' },
  {
    table: 'sent_messages',
    leadColumn: 'lead_id',
    addressColumn: 'to_address',
    workflowColumn: 'workflow_id',
    timeColumn: 'claimed_at',
  },
  { table: 'stage_changes', leadColumn: 'lead_id', workflowColumn: 'workflow_id', timeColumn: 'occurred_at' },
  { table: 'lead_flags', leadColumn: 'lead_id', workflowColumn: 'workflow_id', timeColumn: 'created_at' },
  { table: 'engagement_events', leadColumn: 'lead_id', timeColumn: 'occurred_at' },
  { table: 'discount_codes', leadColumn: 'lead_id', timeColumn: 'created_at' },
  { table: 'sales_notifications', leadColumn: 'lead_id', timeColumn: 'created_at' },
  { table: 'consent_events', leadColumn: 'lead_id', timeColumn: 'recorded_at' },
  { table: 'subscription_confirmations', leadColumn: 'lead_id', timeColumn: 'created_at' },
  { table: 'suppressions', addressColumn: 'email', timeColumn: 'created_at' },
];

/** The person's rows in one table: by lead id or by address. */
export interface Subject {
  leadIds: readonly string[];
  /** trimmed and lower-cased */
  address: string;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `WHERE …` for the subject's rows, with its parameters (names come from the list above, never from input). */
function where(t: PersonalDataTable, s: Subject): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (t.leadColumn) {
    params.push([...s.leadIds]);
    parts.push(`${ident(t.leadColumn)} = ANY($${params.length}::uuid[])`);
  }
  if (t.addressColumn) {
    params.push(s.address);
    parts.push(`lower(btrim(${ident(t.addressColumn)})) = $${params.length}::text`);
  }
  return { sql: parts.join(' OR '), params };
}

type Sql = Pick<Prisma.TransactionClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;

export async function selectRows(db: Sql, t: PersonalDataTable, s: Subject): Promise<Record<string, unknown>[]> {
  const w = where(t, s);
  return db.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT * FROM ${ident(t.table)} WHERE ${w.sql} ORDER BY ${ident(t.timeColumn)}`,
    ...w.params,
  );
}

export async function deleteRows(db: Sql, t: PersonalDataTable, s: Subject): Promise<number> {
  const w = where(t, s);
  return db.$executeRawUnsafe(`DELETE FROM ${ident(t.table)} WHERE ${w.sql}`, ...w.params);
}

/** The workflow ids the subject's rows name, across every table that records one. */
export async function workflowIdsOf(db: Sql, s: Subject): Promise<string[]> {
  const ids = new Set<string>();
  for (const t of LEAD_DATA_TABLES) {
    if (!t.workflowColumn) continue;
    const w = where(t, s);
    const rows = await db.$queryRawUnsafe<{ id: string }[]>(
      `SELECT DISTINCT ${ident(t.workflowColumn)} AS id FROM ${ident(t.table)} WHERE ${w.sql}`,
      ...w.params,
    );
    for (const r of rows) ids.add(r.id);
  }
  return [...ids];
}
