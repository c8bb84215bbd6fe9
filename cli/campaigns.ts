// `nurture campaign validate | simulate`.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { formatErrors, parseCampaign, templateReferences, type CampaignError } from '../core/campaign/load.ts';
import { loadConfig } from '../config/index.ts';
import { lintTemplates } from '../email/index.ts';
import { sampleLeadSchema, type SampleLead } from '../core/lead.ts';
import { formatTimeline, scriptedEventsSchema, simulate, type ScriptedEvent } from '../core/journey/simulate.ts';
import { CliError, EXIT_USAGE } from './errors.ts';
import { jsonOption } from './options.ts';

function readCampaign(file: string) {
  if (!fs.existsSync(file)) throw new CliError(`${file}: no such file`, EXIT_USAGE);
  const text = fs.readFileSync(file, 'utf8');
  const shown = path.relative(process.cwd(), file) || file;
  const result = parseCampaign(text, shown);
  // A send naming no template would fail every journey that reaches it: as bad as a typo'd field.
  const unknownTemplates: CampaignError[] = lintTemplates(loadConfig().templatesDir, {
    campaignRefs: templateReferences(text, shown),
  })
    .filter((p) => p.file === shown)
    .map((p) => ({ file: p.file, line: p.line, column: p.column ?? 1, path: p.path ?? '', message: p.message }));
  const errors = [...(result.ok ? [] : result.errors), ...unknownTemplates].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  );
  if (!result.ok || errors.length) throw new CliError(formatErrors(errors).join('\n'));
  return result;
}

export function registerCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('validate and simulate campaign files');

  campaign
    .command('validate <file>')
    .description('check a campaign file; problems are printed as file:line:col path: message')
    .action((file: string) => {
      const { campaign: c, version } = readCampaign(file);
      console.log(
        `${file}: campaign "${c.id}" is valid (${Object.keys(c.stages).length} stages, version ${version.slice(0, 12)})`,
      );
    });

  campaign
    .command('simulate <file>')
    .description("print the timeline a lead would get, on a virtual clock (the journey's own code)")
    .option('--lead <json>', 'the lead as JSON, or a JSON file', '{}')
    .option('--events <json>', 'engagement script: [{"at":"+2d","type":"click"}], or a JSON file', '[]')
    .option('--days <n>', 'how many days to simulate', '90')
    .option('--start <time>', 'when the lead enrolls, as an ISO time (default 2025-01-06T09:00:00Z, a Monday)')
    .option('--json', 'print the timeline as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ nurture campaign simulate campaigns/example.yaml --days 30
  $ nurture campaign simulate campaigns/example.yaml --lead '{"firstName":"Ada","properties":{"plan":"pro"}}' \\
      --events '[{"at":"+1d","type":"click"},{"at":"+3d","move":"desire"},{"at":"+5d","type":"purchase"}]'
  $ nurture campaign simulate campaigns/example.yaml --events script.json --json`,
    )
    .action(async (file: string, opts: { lead: string; events: string; days: string; start?: string; json?: boolean }) => {
      const { campaign: c } = readCampaign(file);
      const lead: SampleLead = jsonOption('--lead', opts.lead, sampleLeadSchema) ?? {};
      const events: ScriptedEvent[] = jsonOption('--events', opts.events, scriptedEventsSchema) ?? [];
      const days = Number(opts.days);
      if (!Number.isFinite(days) || days <= 0) throw new CliError(`--days: "${opts.days}" must be a positive number`);
      if (opts.start !== undefined && Number.isNaN(Date.parse(opts.start)))
        throw new CliError(`--start: "${opts.start}" must be an ISO time like 2025-01-06T09:00:00Z`);
      const started = performance.now();
      let timeline;
      try {
        timeline = await simulate(c, lead, events, { days, ...(opts.start !== undefined ? { start: opts.start } : {}) });
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      if (opts.json) console.log(JSON.stringify(timeline, null, 2));
      else {
        console.log(formatTimeline(timeline));
        console.log(`(simulated ${days} days in ${(performance.now() - started).toFixed(0)} ms)`);
      }
    });
}
