// The dashboard's performance check against a seeded database (bench/seed.ts):
//   tsx bench/dashboard-plans.ts --url postgresql://postgres@127.0.0.1:5432/nurture_seed_check
// prints EXPLAIN (ANALYZE, BUFFERS) of the funnel and stalled queries, exactly as the pages
// send them (the same SQL builders), then times every page rendered in process (HTML, cold
// and warm), without Temporal (the pages never wait on it).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Prisma } from '../generated/prisma/client.ts';
import { buildServer } from '../api/server.ts';
import { stalledCountsSql, stalledListSql } from '../reports/stalled.ts';
import { funnelCurrentSql, funnelHistorySql, funnelQueryFrom, knownStagesSql } from '../reports/funnel.ts';
import { loadConfig } from '../config/index.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';
import { connectClient } from '../infra/client.ts';
import { createDb } from '../infra/db.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function explain(client: pg.Client, title: string, q: Prisma.Sql, setup: string[] = []): Promise<void> {
  await client.query('BEGIN');
  for (const s of setup) await client.query(s);
  const r = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.text}`, q.values as unknown[]);
  await client.query('ROLLBACK');
  console.log(`\n=== ${title}\n${r.rows.map((row) => row['QUERY PLAN']).join('\n')}`);
}

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/nurture_seed_check' },
    campaign: { type: 'string', default: 'example' },
    runs: { type: 'string', default: '3' },
  },
});
const url = values.url!;
const campaign = values.campaign!;
const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' }, ROOT);
const campaigns = new CampaignRegistry(config.campaignsDir);

const client = new pg.Client({ connectionString: url });
await client.connect();
const q = funnelQueryFrom({ campaign }, campaign);
const known = await client.query(knownStagesSql(campaign).text, knownStagesSql(campaign).values as unknown[]);
const dict = [
  ...new Set([...Object.keys(campaigns.get(campaign)?.campaign.stages ?? {}), ...known.rows.map((r) => r.stage as string)]),
];
await explain(client, `funnel: stage history (${q.from.toISOString()} .. ${q.to.toISOString()})`, funnelHistorySql(q, dict), [
  "SET LOCAL work_mem = '64MB'",
]);
await explain(client, 'funnel: where the cohort is now', funnelCurrentSql(q));
await explain(client, 'stalled: counts per stage', stalledCountsSql({ campaign, page: 1 }));
await explain(client, 'stalled: first page, all stages', stalledListSql({ campaign, page: 1 }));
await explain(client, 'stalled: first page of one stage', stalledListSql({ campaign, stage: 'interest', page: 1 }));
await client.end();

// Pages, in process. A lazy Temporal connection (built as the API builds it): nothing here may need it.
const db = createDb(url, 10);
const temporal = await connectClient(config, { lazy: true });
const app = await buildServer({ config, db, temporal, campaigns });
const auth = { authorization: `Bearer ${config.ADMIN_TOKENS[0]}` };
const someLead = (await db.enrollment.findFirst({ where: { campaignId: campaign, stalled: true }, select: { leadId: true } }))
  ?.leadId;
const pages = [
  `/dashboard/funnel?campaign=${campaign}`,
  `/api/funnel?campaign=${campaign}`,
  `/dashboard/stalled?campaign=${campaign}`,
  `/dashboard/stalled`,
  `/dashboard/engagement?campaign=${campaign}`,
  `/dashboard/leads/${someLead}`,
  `/dashboard/templates`,
  `/dashboard/campaigns/${campaign}`,
];
console.log('\n=== pages (ms per request; first is cold)');
for (const p of pages) {
  const times: number[] = [];
  let status = 0;
  for (let i = 0; i < Number(values.runs); i++) {
    const t = performance.now();
    const res = await app.inject({ method: 'GET', url: p, headers: auth });
    times.push(Math.round(performance.now() - t));
    status = res.statusCode;
  }
  console.log(`${String(status).padEnd(4)} ${times.join(' / ').padEnd(20)} ${p}`);
}
await app.close();
await db.$disconnect();
