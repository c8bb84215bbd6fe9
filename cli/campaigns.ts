// `nurture campaign validate | simulate`.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { formatErrors, parseCampaign } from '../core/campaign/load.ts';
import { formatTimeline, simulate, type ScriptedEvent, type SimulatedLead } from '../core/journey/simulate.ts';
import { CliError } from './errors.ts';
import { jsonOption } from './options.ts';

function readCampaign(file: string) {
  if (!fs.existsSync(file)) throw new CliError(`${file}: no such file`);
  const result = parseCampaign(fs.readFileSync(file, 'utf8'), path.relative(process.cwd(), file) || file);
  if (!result.ok) throw new CliError(formatErrors(result.errors).join('\n'));
  return result;
}

const leadOption = z
  .object({
    id: z.string().optional(),
    email: z.string().optional(),
    firstName: z.string().optional(),
    timezone: z.string().optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const eventsOption = z.array(
  z
    .object({
      at: z.union([z.string(), z.number()]),
      type: z.string().min(1),
      data: z.record(z.string(), z.unknown()).optional(),
      id: z.string().optional(),
    })
    .strict(),
);

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
    .option('--json', 'print the timeline as JSON')
    .action(async (file: string, opts: { lead: string; events: string; days: string; json?: boolean }) => {
      const { campaign: c } = readCampaign(file);
      const lead: SimulatedLead = jsonOption('--lead', opts.lead, leadOption) ?? {};
      const events: ScriptedEvent[] = jsonOption('--events', opts.events, eventsOption) ?? [];
      const days = Number(opts.days);
      if (!Number.isFinite(days) || days <= 0) throw new CliError(`--days: "${opts.days}" must be a positive number`);
      const started = performance.now();
      let timeline;
      try {
        timeline = await simulate(c, lead, events, { days });
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
