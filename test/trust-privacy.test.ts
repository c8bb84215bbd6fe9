// Erasure and export (issue 11; GDPR articles 15, 17, 20) on the real stack: a lead signed up
// through the API with journeys on a real worker, a sales notification, an engagement event and
// a suppression; then export and erase through the admin API and the `nurture` CLI. After an
// erase, no column of any table in PostgreSQL and no workflow execution in Temporal holds the
// address or the lead id, and a send to the address is refused.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErasedAddress } from '../privacy/address-hash.ts';
import { startStack, type TestStack } from './support/stack.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const TOKEN = 'privacy-admin-token-0123456789';

// Campaign ids of this file only: the running one notifies sales and then holds the lead; the
// other ends after its welcome, so a lead has a running and a completed journey.
const RUNNING = `
id: privacy-running
name: Privacy (running)
stages:
  awareness:
    steps:
      - send: welcome
      - notifySales: { email: sales@example.com, reason: "privacy test" }
      - waitFor: [purchase]
`;
const DONE = `
id: privacy-done
name: Privacy (done)
stages:
  awareness:
    steps:
      - send: welcome
`;

let stack: TestStack;
let campaignsDir: string;
beforeAll(async () => {
  campaignsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-privacy-campaigns-'));
  fs.writeFileSync(path.join(campaignsDir, 'running.yaml'), RUNNING);
  fs.writeFileSync(path.join(campaignsDir, 'done.yaml'), DONE);
  stack = await startStack({ ADMIN_TOKENS: TOKEN, NURTURE_CAMPAIGNS_DIR: campaignsDir, DEFAULT_CAMPAIGN: 'privacy-running' });
});
afterAll(async () => {
  await stack?.close();
  if (campaignsDir) fs.rmSync(campaignsDir, { recursive: true, force: true });
});

const admin = (method: string, pathname: string, token = TOKEN) =>
  stack.request(method, pathname, { headers: { authorization: `Bearer ${token}` } });

interface Person {
  email: string;
  leadId: string;
  workflowIds: string[];
}

/** A lead with a running and a completed journey, two sent emails, a sales notification and a reply. */
async function enrolledPerson(label: string): Promise<Person> {
  const email = stack.email(label);
  const first = await stack.post('/webhooks/signup', { email, firstName: 'Erin', lastName: 'Rase', company: 'Gone Ltd' });
  expect(first.status, JSON.stringify(first.body)).toBe(202);
  const second = await stack.post('/webhooks/signup', { email, campaign: 'privacy-done' });
  expect(second.status, JSON.stringify(second.body)).toBe(202);
  const leadId = first.body.leadId as string;
  expect(second.body.leadId).toBe(leadId);

  await expect.poll(async () => stack.db.sentMessage.count({ where: { leadId, status: 'sent' } }), { timeout: 30_000 }).toBe(2);
  await expect
    .poll(async () => (await stack.db.salesNotification.findFirst({ where: { leadId } }))?.status, { timeout: 30_000 })
    .toBe('delivered');
  await expect
    .poll(async () => (await stack.temporal.workflow.getHandle(second.body.workflowId).describe()).status.name, {
      timeout: 30_000,
    })
    .toBe('COMPLETED');
  const reply = await stack.post('/webhooks/events', { type: 'reply', email, eventId: `reply-${leadId}`, data: { text: 'hi' } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  return { email, leadId, workflowIds: [first.body.workflowId, second.body.workflowId] };
}

/** Every column of every table whose text form contains the needle (any case), with its row count. */
async function rowsHolding(needle: string): Promise<string[]> {
  const columns = await stack.db.$queryRaw<Array<{ table_name: string; column_name: string }>>`
    SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`;
  expect(columns.length).toBeGreaterThan(20); // the scan sees the schema
  const found: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [{ n }] = await stack.db.$queryRawUnsafe<[{ n: number }]>(
      `SELECT count(*)::int AS n FROM "${table_name}" WHERE strpos(lower("${column_name}"::text), $1) > 0`,
      needle.toLowerCase(),
    );
    if (n > 0) found.push(`${table_name}.${column_name}: ${n}`);
  }
  return found;
}

async function workflowGone(workflowId: string): Promise<boolean> {
  try {
    await stack.temporal.workflow.getHandle(workflowId).describe();
    return false;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return true;
    throw err;
  }
}

/** Visibility's account: every run whose workflow id starts with `journey/privacy-` and names the lead. */
async function listedRuns(leadId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const run of stack.temporal.workflow.list({ query: `WorkflowId STARTS_WITH "journey/privacy-"` })) {
    if (run.workflowId.endsWith(`/${leadId}`)) out.push(`${run.workflowId} ${run.runId}`);
  }
  return out;
}

function nurture(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/nurture.mjs'), ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: stack.config.DATABASE_URL,
        TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
        NURTURE_CAMPAIGNS_DIR: campaignsDir,
      },
      timeout: 60_000,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function expectErased(person: Person): Promise<void> {
  // PostgreSQL: no column of any table holds the address (any case) or the lead id.
  expect(await rowsHolding(person.email)).toEqual([]);
  expect(await rowsHolding(person.leadId)).toEqual([]);
  // Temporal: no execution of any of the lead's journeys, by id or in visibility.
  for (const id of person.workflowIds) await expect.poll(() => workflowGone(id), { timeout: 240_000, interval: 1000 }).toBe(true);
  await expect.poll(() => listedRuns(person.leadId), { timeout: 240_000, interval: 1000 }).toEqual([]);
  // Only the keyed hash remains: any case variant of the address is known as erased.
  expect(await isErasedAddress(stack.db, stack.config.ERASURE_HASH_KEY, person.email.toUpperCase())).toBe(true);
}

// Temporal deletes executions asynchronously, after their close tasks: on a loaded 2-core
// machine that has taken minutes.
describe('DELETE /api/leads/:id and GET /api/leads/:id/export', { timeout: 600_000 }, () => {
  it('exports everything held, then erases the lead from PostgreSQL and Temporal, audited without personal data', async () => {
    const person = await enrolledPerson('erase-api');
    // A suppression of the address: it has no foreign key to the lead, and erasure finds it.
    await stack.db.suppression.create({ data: { email: person.email, reason: 'manual' } });

    const exported = await admin('GET', `/api/leads/${person.leadId}/export`);
    expect(exported.status, JSON.stringify(exported.body)).toBe(200);
    expect(exported.headers.get('cache-control')).toBe('no-store');
    const doc = exported.body;
    expect(doc.lead).toMatchObject({ id: person.leadId, email: person.email, first_name: 'Erin', company: 'Gone Ltd' });
    expect(Object.keys(doc.data).sort()).toEqual([
      'consent_events',
      'discount_codes',
      'engagement_events',
      'enrollments',
      'lead_flags',
      'sales_notifications',
      'sent_messages',
      'stage_changes',
      'subscription_confirmations',
      'suppressions',
    ]);
    expect(doc.data.enrollments.map((e: { workflow_id: string }) => e.workflow_id).sort()).toEqual(
      [...person.workflowIds].sort(),
    );
    expect(doc.data.sent_messages).toHaveLength(2);
    expect(doc.data.sent_messages[0]).toMatchObject({ template_id: 'welcome', status: 'sent', to_address: person.email });
    expect(doc.data.engagement_events.map((e: { type: string }) => e.type)).toContain('reply');
    expect(doc.data.sales_notifications).toEqual([expect.objectContaining({ reason: 'privacy test', status: 'delivered' })]);
    expect(doc.data.suppressions).toEqual([expect.objectContaining({ reason: 'manual' })]);
    expect(doc.data.stage_changes.length).toBeGreaterThan(0);
    expect(Date.parse(doc.data.sent_messages[0].sent_at)).toBeGreaterThan(0);

    const erased = await admin('DELETE', `/api/leads/${person.leadId}`);
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);
    await expectErased(person);
    expect(erased.body).toMatchObject({
      erased: true,
      rows: { leads: 1, enrollments: 2, sent_messages: 2, sales_notifications: 1, suppressions: 1 },
      workflows: { erased: 2, terminated: 1 },
    });
    expect(erased.body.rows.engagement_events).toBeGreaterThanOrEqual(1);

    // The audit: who (the token's fingerprint, never the token) and how much, never whom.
    const audit = await stack.db.privacyAudit.findMany({ where: { at: { gte: new Date(Date.now() - 10 * 60_000) } } });
    const details = { rows: erased.body.rows, workflows: erased.body.workflows };
    // jsonb keeps its own key order: compare as values.
    const erase = audit.find((a) => a.action === 'erase' && isDeepStrictEqual(a.details, details));
    expect(erase, JSON.stringify(audit)).toBeDefined();
    expect(erase!.actor).toMatch(/^admin:[0-9a-f]{8}$/);
    expect(audit.some((a) => a.action === 'export' && a.actor === erase!.actor)).toBe(true);
    for (const a of audit) expect(JSON.stringify(a)).not.toContain(TOKEN);

    // Gone for the API too.
    expect((await admin('DELETE', `/api/leads/${person.leadId}`)).status).toBe(404);
    expect((await admin('GET', `/api/leads/${person.leadId}/export`)).status).toBe(404);
  });

  it('an erased address, in any case, is suppressed: a new signup enrolls nothing and mails nothing', async () => {
    const person = await enrolledPerson('erase-resend');
    expect((await admin('DELETE', `/api/leads/${person.leadId}`)).status).toBe(200);
    const delivered = stack.inbox.to(person.email).length;

    // The same address signs up again: only the person's own confirmation could bring it back
    // (test/trust-consent.test.ts), so no journey starts and nothing is sent.
    const again = await stack.post('/webhooks/signup', { email: person.email.toUpperCase() });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body).toMatchObject({ enrolled: false, suppressed: true, suppressionReason: 'erased' });
    const leadId = again.body.leadId as string;
    expect(await stack.db.enrollment.count({ where: { leadId } })).toBe(0);
    expect(stack.inbox.to(person.email)).toHaveLength(delivered);

    expect((await admin('DELETE', `/api/leads/${leadId}`)).status).toBe(200);
  });

  it('answers 400 for a malformed id, 404 for an unknown one, 401 without the admin token', async () => {
    for (const [method, suffix] of [
      ['DELETE', ''],
      ['GET', '/export'],
    ] as const) {
      const bad = await admin(method, `/api/leads/not-a-uuid${suffix}`);
      expect(bad.status, `${method} ${suffix}`).toBe(400);
      expect(bad.body).toEqual({
        error: 'invalid_id',
        message: 'id: must be a lead id (UUID)',
        issues: [{ field: 'id', problem: 'must be a lead id (UUID)' }],
      });
      const unknown = await admin(method, `/api/leads/00000000-0000-4000-8000-000000000000${suffix}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ error: 'not_found' });
      const anonymous = await stack.request(method, `/api/leads/00000000-0000-4000-8000-000000000000${suffix}`);
      expect(anonymous.status).toBe(401);
    }
  });
});

describe('nurture leads export | erase', { timeout: 600_000 }, () => {
  it('exports as JSON to stdout or a file, erases by address in any case, and names an unknown or invalid address', async () => {
    const person = await enrolledPerson('erase-cli');

    const out = await nurture(['leads', 'export', person.email]);
    expect(out.code, out.err).toBe(0);
    const doc = JSON.parse(out.out);
    expect(doc.lead).toMatchObject({ id: person.leadId, email: person.email });
    expect(doc.data.sent_messages.map((m: { template_id: string }) => m.template_id)).toEqual(['welcome', 'welcome']);
    expect(doc.data.engagement_events).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'reply', event_id: `reply-${person.leadId}` })]),
    );

    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-export-')), 'lead.json');
    const toFile = await nurture(['leads', 'export', person.email, '--out', file]);
    expect(toFile.code, toFile.err).toBe(0);
    expect(toFile.out).toBe('');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).lead.id).toBe(person.leadId);
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });

    const erase = await nurture(['leads', 'erase', person.email.toUpperCase()]);
    expect(erase.code, erase.err).toBe(0);
    expect(erase.out).toMatch(/^erased; deleted rows:/);
    expect(erase.out).toMatch(/leads: 1/);
    expect(erase.out).toMatch(/journeys: 2 deleted from Temporal \(1 were running/);
    expect(erase.out + erase.err).not.toContain(person.email);
    await expectErased(person);
    expect(await stack.db.privacyAudit.count({ where: { actor: 'cli', action: 'erase' } })).toBeGreaterThanOrEqual(1);

    for (const command of ['erase', 'export']) {
      const unknown = await nurture(['leads', command, person.email]);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain(`no lead has the address ${person.email}`);
      const invalid = await nurture(['leads', command, 'not-an-address']);
      expect(invalid.code).toBe(1);
      expect(invalid.err).toContain('<email>: "not-an-address" must be an email address');
    }
  });
});
