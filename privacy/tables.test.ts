// The erasure/export table list against prisma/schema.prisma: a new table or column that
// names a person (a lead id, an address, a journey's workflow id, which embeds the lead id)
// must be in privacy/tables.ts, or erasure would leave it behind. This test is what fails.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEAD_DATA_TABLES, LEADS_TABLE, type PersonalDataTable } from './tables.ts';

const SCHEMA = path.resolve(import.meta.dirname, '../prisma/schema.prisma');

interface Table {
  model: string;
  name: string;
  columns: string[];
}

/** Tables and their scalar columns, with @map / @@map applied. */
function parseSchema(text: string): Table[] {
  const blocks = [...text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)];
  const models = new Set(blocks.map((b) => b[1]!));
  return blocks.map(([, model, body]) => {
    let name = model!;
    const columns: string[] = [];
    for (const raw of body!.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      if (!line) continue;
      const tableMap = /^@@map\(\s*"([^"]+)"\s*\)/.exec(line);
      if (tableMap) name = tableMap[1]!;
      if (line.startsWith('@@')) continue;
      const field = /^(\w+)\s+(\w+)/.exec(line);
      if (!field || models.has(field[2]!)) continue; // a relation, not a column
      columns.push(/@map\(\s*"([^"]+)"\s*\)/.exec(line)?.[1] ?? field[1]!);
    }
    return { model: model!, name, columns };
  });
}

/** A column that identifies a person, or embeds the lead id (workflow ids: journey/<campaign>/<lead>). */
const NAMES_A_PERSON = /^(lead_id|workflow_id)$|email|address/;

const LISTED: readonly PersonalDataTable[] = [...LEAD_DATA_TABLES, LEADS_TABLE];

const coveredColumns = (t: PersonalDataTable) =>
  [t.leadColumn, t.addressColumn, t.workflowColumn].filter((c): c is string => c !== undefined);

describe('privacy/tables.ts covers prisma/schema.prisma', () => {
  const tables = parseSchema(fs.readFileSync(SCHEMA, 'utf8'));

  it('parses the schema (sanity: the tables we know are there)', () => {
    const leads = tables.find((t) => t.name === 'leads');
    expect(leads?.columns).toEqual(expect.arrayContaining(['id', 'email', 'first_name']));
    expect(tables.find((t) => t.name === 'sales_notifications')?.columns).toContain('lead_id');
    expect(tables.map((t) => t.name)).toContain('erased_addresses');
  });

  it('names every column that identifies a person', () => {
    const missing: string[] = [];
    for (const t of tables) {
      const listed = LISTED.find((l) => l.table === t.name);
      const covered = new Set(listed ? coveredColumns(listed) : []);
      // A table that names a lead by id or address must be listed by it.
      for (const c of t.columns.filter((c) => NAMES_A_PERSON.test(c))) {
        if (!covered.has(c)) missing.push(`${t.name}.${c} (model ${t.model})`);
      }
    }
    expect(missing, 'add these to privacy/tables.ts (erasure and export)').toEqual([]);
  });

  it('lists only tables and columns that exist', () => {
    const stale: string[] = [];
    for (const l of LISTED) {
      const t = tables.find((t) => t.name === l.table);
      for (const c of [...coveredColumns(l), l.timeColumn]) {
        if (!t?.columns.includes(c)) stale.push(`${l.table}.${c}`);
      }
    }
    expect(stale).toEqual([]);
  });

  it('finds a new table with a lead_id or email column that is not listed', () => {
    const extra = parseSchema(
      'model LoyaltyCard {\n  id String @id\n  leadId String @map("lead_id")\n  email String\n  @@map("loyalty_cards")\n}\n',
    );
    const t = extra[0]!;
    expect(t).toEqual({ model: 'LoyaltyCard', name: 'loyalty_cards', columns: ['id', 'lead_id', 'email'] });
    expect(LISTED.some((l) => l.table === t.name)).toBe(false);
    expect(t.columns.filter((c) => NAMES_A_PERSON.test(c))).toEqual(['lead_id', 'email']);
  });
});
