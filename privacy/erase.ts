// Erasure (GDPR article 17): everything about a person leaves PostgreSQL and Temporal, and only
// a keyed hash of their address stays behind, so no send ever reaches them again.
//
// The person is their address, compared trimmed and lower-cased: erasing a lead erases every
// lead whose address differs from it only in case. Steps, each safe to repeat:
//   1. the hash goes into erased_addresses (committed first: from now on every send refuses);
//   2. every journey of theirs is terminated and deleted in Temporal;
//   3. one transaction deletes their rows from every table in privacy/tables.ts and writes the
//      audit row (counts only).
// If Temporal is unreachable at step 2 the call fails (TemporalUnavailableError) with the rows
// still there, so a repeated erase finds them and finishes the job.
import type { Db } from '../infra/db.ts';
import { eraseJourney, type TemporalGate } from '../workflows/journey/client.ts';
import { journeyWorkflowId } from '../workflows/journey/types.ts';
import { normalizeEmail } from '../core/rules/email.ts';
import { erasedAddressHash } from './address-hash.ts';
import { deleteRows, LEAD_DATA_TABLES, LEADS_TABLE, workflowIdsOf, type Subject } from './tables.ts';

export interface EraseDeps {
  db: Db;
  temporal: TemporalGate;
  /** ERASURE_HASH_KEY */
  hashKey: string;
  /** The campaigns a journey may exist in (their workflow ids are deterministic). */
  campaignIds: () => readonly string[];
}

/** What an erasure removed: the audit row's details. */
export interface Erasure {
  /** rows deleted, per table */
  rows: Record<string, number>;
  workflows: { erased: number; terminated: number; deletedRuns: number };
}

/** Who asked: an admin token's fingerprint (`admin:<hex>`) or `cli`. Never the token. */
export type Actor = string;

/** Ids of every lead with this address, in any case. */
export async function leadIdsByAddress(db: Db, email: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM leads WHERE lower(btrim(email)) = ${normalizeEmail(email)} ORDER BY created_at`;
  return rows.map((r) => r.id);
}

/** Erases the lead with this id and every case variant of its address; undefined when there is no such lead. */
export async function eraseLeadById(deps: EraseDeps, leadId: string, actor: Actor): Promise<Erasure | undefined> {
  const lead = await deps.db.lead.findUnique({ where: { id: leadId }, select: { email: true } });
  if (!lead) return undefined;
  return erasePerson(deps, lead.email, actor);
}

/** Erases every lead with this address (any case); undefined when no lead has it. */
export async function eraseByAddress(deps: EraseDeps, email: string, actor: Actor): Promise<Erasure | undefined> {
  if ((await leadIdsByAddress(deps.db, email)).length === 0) return undefined;
  return erasePerson(deps, email, actor);
}

async function erasePerson(deps: EraseDeps, email: string, actor: Actor): Promise<Erasure> {
  const { db } = deps;
  const hash = erasedAddressHash(deps.hashKey, email);
  await db.erasedAddress.createMany({ data: [{ hash }], skipDuplicates: true });

  const subject: Subject = { leadIds: await leadIdsByAddress(db, email), address: normalizeEmail(email) };
  const workflowIds = new Set(await workflowIdsOf(db, subject));
  for (const campaignId of deps.campaignIds()) {
    for (const leadId of subject.leadIds) workflowIds.add(journeyWorkflowId(campaignId, leadId));
  }
  const workflows = { erased: 0, terminated: 0, deletedRuns: 0 };
  for (const workflowId of workflowIds) {
    const r = await eraseJourney(deps.temporal, workflowId);
    if (r.deletedRuns > 0) workflows.erased++;
    if (r.terminated) workflows.terminated++;
    workflows.deletedRuns += r.deletedRuns;
  }

  return db.$transaction(
    async (tx) => {
      const rows: Record<string, number> = {};
      // Leads last: their children go first so each table's count is its own.
      for (const t of [...LEAD_DATA_TABLES, LEADS_TABLE]) rows[t.table] = await deleteRows(tx, t, subject);
      const erasure: Erasure = { rows, workflows };
      await tx.privacyAudit.create({ data: { action: 'erase', actor, details: { ...erasure } } });
      return erasure;
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}
