// The migration that makes addresses case-insensitive, run on real PostgreSQL against data
// stored before it: case variants of one address merge into its oldest lead, history follows,
// no suppression is lost, and afterwards only the lower-cased spelling can be stored.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { dropDatabase } from '../infra/db.ts';
import { ensureDatabase } from '../infra/db-admin.ts';

const MIGRATIONS = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const THIS_MIGRATION = '20261130130000_consent_history';

const url = new URL(inject('databaseUrl'));
url.pathname = `${url.pathname}_email_case`;
let db: pg.Client;

async function applyMigrations(filter: (name: string) => boolean) {
  for (const name of fs.readdirSync(MIGRATIONS).sort()) {
    const file = path.join(MIGRATIONS, name, 'migration.sql');
    if (fs.existsSync(file) && filter(name)) await db.query(fs.readFileSync(file, 'utf8'));
  }
}

const ids = {
  oldest: '00000000-0000-4000-8000-000000000001',
  middle: '00000000-0000-4000-8000-000000000002',
  newest: '00000000-0000-4000-8000-000000000003',
  other: '00000000-0000-4000-8000-000000000004',
};

beforeAll(async () => {
  await ensureDatabase(url.toString());
  db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  await applyMigrations((name) => name < THIS_MIGRATION);
  // Three spellings of one address, stored before the migration, and another person.
  const lead = (id: string, email: string, created: string, fields: string, props: object, consent: object | null) =>
    db.query(
      `INSERT INTO leads (id, email, first_name, company, properties, consent, created_at, updated_at)
       VALUES ($1, $2, ${fields}, $3, $4, $5::timestamptz, $5::timestamptz)`,
      [id, email, JSON.stringify(props), consent && JSON.stringify(consent), created],
    );
  await lead(ids.oldest, 'Ada@X.com', '2026-01-01T00:00:00Z', `NULL, 'Acme'`, { a: 1, b: 1 }, null);
  await lead(ids.middle, 'ada@x.com', '2026-02-01T00:00:00Z', `'Ada', NULL`, { b: 2 }, { given: true, method: 'form' });
  await lead(ids.newest, 'ADA@X.COM', '2026-03-01T00:00:00Z', `'Adelaide', NULL`, { c: 3 }, null);
  await lead(ids.other, 'Bob@Y.com', '2026-01-01T00:00:00Z', `'Bob', NULL`, {}, null);
  const enroll = (lead: string, campaign: string) =>
    db.query(
      `INSERT INTO enrollments (id, lead_id, campaign_id, campaign_version, workflow_id) VALUES (gen_random_uuid(), $1, $2, 'v', $3)`,
      [lead, campaign, `journey:${campaign}:${lead}`],
    );
  await enroll(ids.oldest, 'spring');
  await enroll(ids.middle, 'spring'); // the survivor has one in this campaign already
  await enroll(ids.middle, 'summer'); // it has none in this one
  await db.query(
    `INSERT INTO sent_messages (id, idempotency_key, lead_id, workflow_id, step_key, campaign_id, template_id, to_address, message_id, status)
     VALUES (gen_random_uuid(), 'k1', $1, 'w', 's', 'summer', 'welcome', 'ada@x.com', '<m1@x>', 'sent')`,
    [ids.middle],
  );
  await db.query(`INSERT INTO engagement_events (id, event_id, lead_id, type) VALUES (gen_random_uuid(), 'e1', $1, 'click')`, [
    ids.newest,
  ]);
  await db.query(`INSERT INTO suppressions (email, reason, created_at) VALUES
    ('ADA@x.com', 'unsubscribed', '2026-03-02T00:00:00Z'),
    ('Bob@Y.com', 'complained', '2026-01-05T00:00:00Z'),
    ('bob@y.com', 'bounced', '2026-01-06T00:00:00Z'),
    ('Carol@Z.com', 'manual', '2026-01-07T00:00:00Z'),
    ('CAROL@z.com', 'unsubscribed', '2026-01-08T00:00:00Z')`);

  await applyMigrations((name) => name === THIS_MIGRATION);
});
afterAll(async () => {
  await db?.end();
  await dropDatabase(url.toString());
});

describe('migration: one spelling per address', () => {
  it('merges the spellings of an address into its oldest lead, filling and merging its fields', async () => {
    const { rows } = await db.query(`SELECT id, email, first_name, company, properties, consent FROM leads ORDER BY email`);
    expect(rows).toEqual([
      {
        id: ids.oldest,
        email: 'ada@x.com',
        first_name: 'Adelaide', // the newest spelling's name fills the gap
        company: 'Acme',
        properties: { a: 1, b: 2, c: 3 },
        consent: { given: true, method: 'form' },
      },
      { id: ids.other, email: 'bob@y.com', first_name: 'Bob', company: null, properties: {}, consent: null },
    ]);
  });

  it('moves the history; a journey of a merged-away lead moves as ended, or stays behind if the campaign is taken', async () => {
    const { rows: enrollments } = await db.query(`SELECT lead_id, campaign_id, status FROM enrollments ORDER BY campaign_id`);
    expect(enrollments).toEqual([
      { lead_id: ids.oldest, campaign_id: 'spring', status: 'active' },
      { lead_id: ids.oldest, campaign_id: 'summer', status: 'exited' },
    ]);
    expect((await db.query(`SELECT lead_id FROM sent_messages WHERE idempotency_key = 'k1'`)).rows).toEqual([
      { lead_id: ids.oldest },
    ]);
    expect((await db.query(`SELECT lead_id FROM engagement_events WHERE event_id = 'e1'`)).rows).toEqual([
      { lead_id: ids.oldest },
    ]);
    expect((await db.query(`SELECT lead_id, given, method, source FROM consent_events`)).rows).toEqual([
      { lead_id: ids.oldest, given: true, method: 'form', source: 'migration' },
    ]);
  });

  it('loses no suppression: every address stays suppressed under its one spelling', async () => {
    const { rows } = await db.query(`SELECT email, reason FROM suppressions ORDER BY email`);
    expect(rows).toEqual([
      { email: 'ada@x.com', reason: 'unsubscribed' },
      { email: 'bob@y.com', reason: 'bounced' }, // the lower-case row was there first
      { email: 'carol@z.com', reason: 'manual' }, // the earliest of the variants
    ]);
  });

  it('refuses any other spelling from now on', async () => {
    await expect(
      db.query(`INSERT INTO leads (id, email, properties, updated_at) VALUES (gen_random_uuid(), 'Eve@X.com', '{}', now())`),
    ).rejects.toThrow(/leads_email_lower_case/);
    await expect(db.query(`INSERT INTO suppressions (email, reason) VALUES ('Eve@X.com', 'manual')`)).rejects.toThrow(
      /suppressions_email_lower_case/,
    );
  });
});
