// `nurture leads erase <email>` and `nurture leads export <email> [--out file]`: a person's
// rights from the terminal, with the same code as DELETE /api/leads/:id and
// GET /api/leads/:id/export (privacy/). Audit rows name the actor `cli`. Nothing printed here
// repeats the person's data except the export itself.
import fs from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.ts';
import { emailSchema } from '../core/rules/schemas.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';
import { connectClient } from '../infra/client.ts';
import { createDb } from '../infra/db.ts';
import { eraseByAddress, leadIdsByAddress, type Erasure } from '../privacy/erase.ts';
import { exportLead } from '../privacy/export.ts';
import { DEFAULT_TEMPORAL_TIMEOUT_MS } from '../workflows/journey/client.ts';
import { CliError } from './errors.ts';

const ACTOR = 'cli';

function address(value: string): string {
  const parsed = emailSchema.safeParse(value);
  if (!parsed.success) throw new CliError(`<email>: "${value}" ${parsed.error.issues[0]?.message ?? 'is not valid'}`);
  return parsed.data;
}

function formatErasure(e: Erasure): string {
  const rows = Object.entries(e.rows)
    .filter(([, n]) => n > 0)
    .map(([table, n]) => `  ${table}: ${n}`);
  return [
    'erased; deleted rows:',
    ...(rows.length ? rows : ['  (none)']),
    `journeys: ${e.workflows.erased} deleted from Temporal (${e.workflows.terminated} were running, ${e.workflows.deletedRuns} runs)`,
  ].join('\n');
}

export function registerLeadCommands(program: Command): void {
  const leads = program.command('leads').description("a person's data: erase (GDPR art. 17) and export (art. 15, 20)");

  leads
    .command('erase')
    .description(
      'delete the lead with this address (any case) from PostgreSQL and Temporal; keep only a keyed hash so it is never mailed again',
    )
    .argument('<email>', 'the address')
    .action(async (email: string) => {
      const to = address(email);
      const config = loadConfig();
      const db = createDb(config.DATABASE_URL, 3);
      const client = await connectClient(config, { lazy: true });
      try {
        const erasure = await eraseByAddress(
          {
            db,
            temporal: { client, timeoutMs: DEFAULT_TEMPORAL_TIMEOUT_MS },
            hashKey: config.ERASURE_HASH_KEY,
            campaignIds: () => new CampaignRegistry(config.campaignsDir).scan().campaigns.map((c) => c.campaign.id),
          },
          to,
          ACTOR,
        );
        if (!erasure) throw new CliError(`no lead has the address ${to}`);
        console.log(formatErasure(erasure));
      } finally {
        await client.connection.close();
        await db.$disconnect();
      }
    });

  leads
    .command('export')
    .description('everything held about the lead with this address, as JSON')
    .argument('<email>', 'the address')
    .option('--out <file>', 'write the JSON to this file (created readable by you only) instead of stdout')
    .action(async (email: string, opts: { out?: string }) => {
      const to = address(email);
      const config = loadConfig();
      const db = createDb(config.DATABASE_URL, 3);
      try {
        const ids = await leadIdsByAddress(db, to);
        if (ids.length === 0) throw new CliError(`no lead has the address ${to}`);
        if (ids.length > 1) {
          throw new CliError(
            `${ids.length} leads have this address in different cases; export each with GET /api/leads/<id>/export: ${ids.join(', ')}`,
          );
        }
        const doc = await exportLead(db, ids[0]!, ACTOR);
        if (!doc) throw new CliError(`no lead has the address ${to}`);
        const json = `${JSON.stringify(doc, null, 2)}\n`;
        if (opts.out) {
          fs.writeFileSync(opts.out, json, { mode: 0o600 });
          console.error(`wrote ${opts.out}`);
        } else {
          process.stdout.write(json);
        }
      } finally {
        await db.$disconnect();
      }
    });
}
