// `nurture report funnel --campaign <id> [--from] [--to] [--json]`: the dashboard's funnel
// in the terminal. Same loader and the same math (api/funnel.ts, core/funnel.ts).
import type { Command } from 'commander';
import { loadConfig } from '../config/index.ts';
import { formatRate, formatSeconds, type FunnelReport } from '../core/funnel.ts';
import { BadParams } from '../api/dashboard/params.ts';
import { funnelQueryFrom, loadFunnel } from '../api/funnel.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';
import { createDb } from '../infra/db.ts';
import { CliError } from './errors.ts';

const COLUMNS = [
  'stage',
  'reached',
  'entered',
  'of enrolled',
  'to next',
  'drop-off',
  'median in stage',
  'now',
  'stalled',
  'lost',
] as const;

/** A plain-text table: stage names left-aligned, numbers right-aligned. */
export function formatFunnelTable(r: FunnelReport): string {
  const hasFile = r.stages.some((s) => s.declared);
  const rows = r.stages.map((s) => [
    s.stage + (s.declared || !hasFile ? '' : ' *'),
    String(s.reached),
    String(s.entered),
    formatRate(s.shareOfEnrolled),
    formatRate(s.conversion),
    s.dropOff === null ? '–' : `${s.dropOff} (${formatRate(s.dropOffRate)})`,
    formatSeconds(s.medianSecondsInStage),
    String(s.current),
    String(s.stalled),
    String(s.lost),
  ]);
  const all = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `Funnel ${r.campaignId}: ${r.enrolled} leads enrolled from ${r.from.slice(0, 16).replace('T', ' ')} to ${r.to.slice(0, 16).replace('T', ' ')} UTC, followed to now`,
    '',
    line(all[0]!),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `overall: ${formatRate(r.overallConversion)} reached the last stage; now ${r.totals.current} active, ${r.totals.stalled} stalled, ${r.totals.lost} dormant or left, ${r.totals.completed} completed`,
  ];
  if (!hasFile) out.push(`no campaign file declares ${r.campaignId}: stages are ordered by when leads reached them`);
  else if (r.stages.some((s) => !s.declared)) out.push('* in the stage history but not in the campaign file');
  return out.join('\n');
}

export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('reports from the database');
  report
    .command('funnel')
    .description('the funnel of one campaign: leads per stage, conversion, drop-off, median time in stage, stalls')
    .requiredOption('--campaign <id>', 'campaign id')
    .option('--from <date>', 'leads enrolled from this day (default: 90 days before --to)')
    .option('--to <date>', 'up to and including this day (default: now)')
    .option('--json', 'print the report as JSON (as GET /api/funnel)')
    .action(async (opts: { campaign: string; from?: string; to?: string; json?: boolean }) => {
      const config = loadConfig();
      let query;
      try {
        query = funnelQueryFrom({ campaign: opts.campaign, from: opts.from, to: opts.to }, config.DEFAULT_CAMPAIGN);
      } catch (err) {
        if (err instanceof BadParams) throw new CliError(err.issues.map((i) => `--${i.field}: ${i.problem}`).join('\n'));
        throw err;
      }
      const db = createDb(config.DATABASE_URL, 3);
      try {
        const r = await loadFunnel(db, new CampaignRegistry(config.campaignsDir), query);
        console.log(opts.json ? JSON.stringify(r, null, 2) : formatFunnelTable(r));
      } finally {
        await db.$disconnect();
      }
    });
}
