// Seeds a database with N leads (default 100,000) whose stage histories look like the
// example campaign's funnel, for the dashboard's performance check:
//   tsx bench/seed.ts --url postgresql://postgres@127.0.0.1:5432/nurture_seed_check [--leads 100000]
// Everything is generated inside PostgreSQL (INSERT ... SELECT over generate_series), so
// 100,000 leads take seconds, not minutes. Randomness comes from hashtext(i || tag), so two
// runs with the same arguments produce the same data. Rows carry idempotency keys and emails
// derived from --campaign, so seeding a second campaign into the same database works; seeding
// the same one twice is refused by the unique keys.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate } from '../infra/db.ts';

// The example campaign's funnel: per stage, its templates, the usual time spent there
// (days, min and spread) and its stall rule (`after`, days).
export const SEED_STAGES = [
  { stage: 'awareness', templates: ['welcome', 'first-value'], minDays: 1, spreadDays: 5, stallAfterDays: 5 },
  { stage: 'interest', templates: ['faq', 'tutorial'], minDays: 2, spreadDays: 7, stallAfterDays: 7 },
  {
    stage: 'desire',
    templates: ['testimonial', 'case-study', 'offer', 'discount'],
    minDays: 3,
    spreadDays: 11,
    stallAfterDays: 10,
  },
  {
    stage: 'action',
    templates: ['onboarding-start', 'onboarding-tips', 'onboarding-checkin'],
    minDays: 5,
    spreadDays: 15,
    stallAfterDays: 10,
  },
  { stage: 'delight', templates: ['referral', 'review'], minDays: 14, spreadDays: 30, stallAfterDays: 30 },
] as const;

// Columns are UTC `timestamp`s: compare them with UTC now, whatever the session's TimeZone.
const NOW = "(now() AT TIME ZONE 'UTC')";

// Share of leads whose journey gets at most this far (cumulative thresholds on one draw).
const FURTHEST = [0.4, 0.7, 0.88, 0.95, 1];

export interface SeedOptions {
  url: string;
  leads: number;
  campaign: string;
  /** Enrollments spread over this many days before now. */
  days: number;
  log?: (line: string) => void;
}

export async function seed(opts: SeedOptions): Promise<Record<string, number>> {
  const log = opts.log ?? (() => {});
  const client = new pg.Client({ connectionString: opts.url });
  await client.connect();
  const stages = JSON.stringify(SEED_STAGES);
  const t0 = Date.now();
  const step = async (what: string, sql: string, params: unknown[] = []) => {
    const t = Date.now();
    const r = await client.query(sql, params);
    log(`${what}: ${r.rowCount ?? 0} rows in ${Date.now() - t} ms`);
  };
  try {
    await client.query('BEGIN');
    // u(i, tag) in [0, 1): a deterministic draw per lead and purpose.
    await step(
      'plan',
      `CREATE TEMP TABLE seed_plan ON COMMIT DROP AS
       WITH s AS (SELECT (ord - 1)::int AS k, x->>'stage' AS stage, (x->>'minDays')::float8 AS min_d, (x->>'spreadDays')::float8 AS spread_d,
                         (x->>'stallAfterDays')::float8 AS stall_d, ARRAY(SELECT jsonb_array_elements_text(x->'templates')) AS templates
                  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(x, ord)),
       base AS (
         SELECT i, md5($2 || ':lead:' || i)::uuid AS lead_id,
                date_trunc('second', ${NOW} - (abs(hashtext(i || 'enrolled'))::float8 / 2147483648) * ($3::float8 * interval '1 day')) AS enrolled_at,
                abs(hashtext(i || 'furthest'))::float8 / 2147483648 AS u_furthest
         FROM generate_series(1, $4::int) AS i),
       steps AS (
         SELECT b.i, b.lead_id, b.enrolled_at, s.k, s.stage, s.templates, s.stall_d,
                b.enrolled_at + sum(CASE WHEN s.k = 0 THEN 0 ELSE 1 END * (lag_min + lag_spread * (abs(hashtext(b.i || ':' || s.k))::float8 / 2147483648)))
                  OVER (PARTITION BY b.i ORDER BY s.k) * interval '1 day' AS entered_at
         FROM base b
         JOIN (SELECT s.*, coalesce(lag(min_d) OVER (ORDER BY k), 0) AS lag_min, coalesce(lag(spread_d) OVER (ORDER BY k), 0) AS lag_spread FROM s) s
           ON s.k <= (SELECT count(*) FROM unnest($5::float8[]) AS t(v) WHERE v <= b.u_furthest))
       SELECT * FROM steps WHERE entered_at < ${NOW}`,
      [stages, opts.campaign, opts.days, opts.leads, FURTHEST],
    );
    await client.query('CREATE INDEX ON seed_plan (i, k)');
    await step(
      'leads',
      `INSERT INTO leads (id, email, first_name, company, source, stage, created_at, updated_at)
       SELECT DISTINCT ON (i) lead_id, 'seed-' || i || '@' || $1 || '.example', 'Lead' || i,
              CASE WHEN i % 3 = 0 THEN 'Company ' || (i % 997) END, 'bench', stage, enrolled_at, entered_at
       FROM seed_plan ORDER BY i, k DESC`,
      [opts.campaign],
    );
    // The latest stage decides the enrollment: some ended (dormant, unsubscribed, completed),
    // the rest are active; an active lead past its stage's stall time is stalled unless it
    // engaged recently (most of them: stalls are the exception a salesperson works through).
    await step(
      'enrollments',
      `INSERT INTO enrollments (id, lead_id, campaign_id, campaign_version, workflow_id, stage, score, stalled, status,
                                enrolled_at, stage_entered_at, last_engagement_at, ended_at)
       SELECT gen_random_uuid(), lead_id, $1, 'seed', 'journey/' || $1 || '/' || lead_id, stage,
              (k * 6 + abs(hashtext(i || 'score')) % 7)::int,
              status = 'active' AND overdue AND u_stall < 0.15,
              status, enrolled_at, entered_at,
              CASE WHEN overdue AND u_stall < 0.15 THEN entered_at + interval '6 hours' ELSE ${NOW} - interval '1 hour' * (abs(hashtext(i || 'eng')) % 48) END,
              CASE WHEN status <> 'active' THEN least(${NOW}, entered_at + interval '1 day' * (stall_d + 7)) END
       FROM (SELECT DISTINCT ON (i) *, ${NOW} - entered_at > stall_d * interval '1 day' AS overdue,
                    abs(hashtext(i || 'stall'))::float8 / 2147483648 AS u_stall,
                    CASE WHEN abs(hashtext(i || 'status')) % 100 < 8 THEN 'dormant'
                         WHEN abs(hashtext(i || 'status')) % 100 < 10 THEN 'exited'
                         WHEN k = 4 AND abs(hashtext(i || 'status')) % 100 < 60 THEN 'completed'
                         ELSE 'active' END AS status
             FROM seed_plan ORDER BY i, k DESC) last`,
      [opts.campaign],
    );
    await step(
      'stage_changes',
      `INSERT INTO stage_changes (id, idempotency_key, lead_id, campaign_id, workflow_id, from_stage, to_stage, reason, actor, occurred_at)
       SELECT gen_random_uuid(), 'journey/' || $1 || '/' || lead_id || '#seed-stage-' || k, lead_id, $1, 'journey/' || $1 || '/' || lead_id,
              lag(stage) OVER (PARTITION BY i ORDER BY k), stage,
              CASE WHEN k = 0 THEN 'signup' WHEN abs(hashtext(i || ':why:' || k)) % 10 = 0 THEN 'goal: pricing_viewed' ELSE 'engaged' END,
              CASE WHEN abs(hashtext(i || ':who:' || k)) % 200 = 0 THEN 'sales@example.com' ELSE 'journey' END, entered_at
       FROM seed_plan`,
      [opts.campaign],
    );
    await step(
      'lead_flags',
      `INSERT INTO lead_flags (id, idempotency_key, lead_id, campaign_id, workflow_id, kind, stage, reason, created_at, cleared_at)
       SELECT gen_random_uuid(), e.workflow_id || '#seed-flag', e.lead_id, e.campaign_id, e.workflow_id,
              CASE WHEN e.status = 'dormant' THEN 'dormant' ELSE 'stalled' END, e.stage,
              CASE WHEN e.status = 'dormant' THEN 'no engagement after the stall' ELSE 'no engagement in ' || e.stage END,
              least(${NOW}, e.stage_entered_at + (s.x->>'stallAfterDays')::float8 * interval '1 day'), NULL
       FROM enrollments e JOIN jsonb_array_elements($2::jsonb) AS s(x) ON s.x->>'stage' = e.stage
       WHERE e.campaign_id = $1 AND (e.stalled OR e.status = 'dormant')`,
      [opts.campaign, stages],
    );
    // The stage's templates go out spread over its first days; only what is already past.
    await step(
      'sent_messages',
      `INSERT INTO sent_messages (id, idempotency_key, lead_id, workflow_id, step_key, campaign_id, template_id, stage, to_address,
                                  subject, message_id, status, claimed_at, sent_at)
       SELECT gen_random_uuid(), wf || '#' || key, p.lead_id, wf, key, $1, t.template_id, p.stage, 'seed-' || p.i || '@' || $1 || '.example',
              initcap(replace(t.template_id, '-', ' ')) || ' for Lead' || p.i, md5(wf || key) || '@nurture.localhost',
              CASE WHEN abs(hashtext(p.i || t.template_id)) % 200 = 0 THEN 'bounced' ELSE 'sent' END, at, at
       FROM seed_plan p
       CROSS JOIN LATERAL unnest(p.templates) WITH ORDINALITY AS t(template_id, n)
       CROSS JOIN LATERAL (SELECT 'journey/' || $1 || '/' || p.lead_id AS wf, 's' || p.k || '-' || t.n AS key,
                                  p.entered_at + (t.n - 1) * interval '1 day' AS at) x
       WHERE at < ${NOW}`,
      [opts.campaign],
    );
    // Engagement per sent email: about 45% opened, a third of those clicked, 0.5% unsubscribed.
    await step(
      'engagement_events',
      `INSERT INTO engagement_events (id, event_id, lead_id, type, campaign_id, template_id, data, occurred_at, received_at)
       SELECT gen_random_uuid(), m.idempotency_key || '#' || e.type, m.lead_id, e.type, m.campaign_id, m.template_id,
              jsonb_build_object('messageId', m.message_id), m.sent_at + e.after, m.sent_at + e.after
       FROM sent_messages m
       CROSS JOIN LATERAL (VALUES ('open', interval '2 hours', abs(hashtext(m.idempotency_key || 'open')) % 1000 < 450),
                                  ('click', interval '3 hours', abs(hashtext(m.idempotency_key || 'open')) % 1000 < 150),
                                  ('unsubscribe', interval '4 hours', abs(hashtext(m.idempotency_key || 'unsub')) % 1000 < 5))
         AS e(type, after, happens)
       WHERE m.campaign_id = $1 AND m.status = 'sent' AND e.happens AND m.sent_at + e.after < ${NOW}`,
      [opts.campaign],
    );
    await client.query('COMMIT');
    // VACUUM as well: index-only scans (the funnel's) need the visibility map autovacuum keeps.
    await step(
      'vacuum analyze',
      'VACUUM ANALYZE leads, enrollments, stage_changes, lead_flags, sent_messages, engagement_events',
    );
    const counts: Record<string, number> = {};
    for (const table of ['leads', 'enrollments', 'stage_changes', 'lead_flags', 'sent_messages', 'engagement_events']) {
      const r = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
      counts[table] = r.rows[0].n;
    }
    log(`seeded in ${Date.now() - t0} ms: ${JSON.stringify(counts)}`);
    return counts;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/nurture_seed_check' },
      leads: { type: 'string', default: '100000' },
      campaign: { type: 'string', default: 'example' },
      days: { type: 'string', default: '120' },
    },
  });
  const leads = Number(values.leads);
  if (!Number.isInteger(leads) || leads < 1) throw new Error('--leads: must be a positive whole number');
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(values.campaign!)) throw new Error('--campaign: must be a campaign id');
  console.log(`migrating ${values.url}`);
  await migrate(values.url!);
  await seed({ url: values.url!, leads, campaign: values.campaign!, days: Number(values.days), log: (l) => console.log(l) });
}
