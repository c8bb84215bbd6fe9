// `nurture templates lint | preview | send-test`.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { sampleLeadSchema, type SampleLead } from '../core/lead.ts';
import { emailSchema } from '../core/rules/schemas.ts';
import { loadConfig, type Config } from '../config/index.ts';
import { formatProblems, lintTemplates, loadCatalog, sampleRenderContext, type Problem } from '../email/index.ts';
import { createMailer } from '../infra/mailer.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';
import { CliError } from './errors.ts';
import { jsonOption } from './options.ts';

/** `--lead` takes inline JSON or the path of a JSON file. */
function parseLeadOption(value: string | undefined): SampleLead | undefined {
  return jsonOption('--lead', value, sampleLeadSchema);
}

/** Lints templates and the campaigns' references to them; the worker runs the same check. */
function lintAll(config: Config): Problem[] {
  return lintTemplates(config.templatesDir, { campaignRefs: new CampaignRegistry(config.campaignsDir).templateRefs() });
}

const LEAD_EXAMPLE = (command: string) => `
Examples:
  $ nurture templates ${command} --lead '{"firstName":"Ada","company":"Analytical Engines"}'
  $ nurture templates ${command} --lead lead.json`;

function senderOf(config: Config) {
  return { name: /^(.*?)\s*</.exec(config.MAIL_FROM)?.[1] || 'Nurture', postalAddress: config.MAIL_POSTAL_ADDRESS };
}

export function registerTemplateCommands(program: Command): void {
  const templates = program.command('templates').description('lint, preview and test-send email templates');

  templates
    .command('lint')
    .description('check every template, layout, partial and campaign reference (nurture check: campaigns too)')
    .action(() => {
      const config = loadConfig();
      const problems = lintAll(config);
      if (problems.length) {
        console.error(formatProblems(problems));
        console.error(`${problems.length} problem${problems.length === 1 ? '' : 's'}`);
        process.exitCode = 1;
        return;
      }
      // Only the templates' side: the campaign files themselves are checked by `nurture check`.
      console.log(
        `templates and campaign references are clean (${config.templatesDir}); nurture check also checks the campaigns`,
      );
    });

  templates
    .command('preview <id>')
    .description('render a template to HTML and text files and print its subject')
    .option('--lead <json>', 'lead fields as JSON, or a JSON file')
    .option('--out <dir>', 'where to write the files', '.nurture/preview')
    .addHelpText('after', LEAD_EXAMPLE('preview welcome'))
    .action((id: string, opts: { lead?: string; out: string }) => {
      const config = loadConfig();
      const catalog = loadCatalog(config.templatesDir);
      if (!catalog.has(id)) throw new CliError(`no template "${id}"; known: ${catalog.ids().join(', ')}`);
      const rendered = catalog.render(
        id,
        sampleRenderContext({ publicUrl: config.PUBLIC_URL, sender: senderOf(config), lead: parseLeadOption(opts.lead) }),
      );
      fs.mkdirSync(opts.out, { recursive: true });
      const html = path.join(opts.out, `${id}.html`);
      const text = path.join(opts.out, `${id}.txt`);
      fs.writeFileSync(html, rendered.html);
      fs.writeFileSync(text, rendered.text);
      console.log(`subject: ${rendered.subject}`);
      console.log(`html:    ${html}`);
      console.log(`text:    ${text}`);
    });

  templates
    .command('send-test <id>')
    .description('send a template through SMTP_URL, marked as a test')
    .requiredOption('--to <address>', 'recipient')
    .option('--lead <json>', 'lead fields as JSON, or a JSON file')
    .addHelpText('after', LEAD_EXAMPLE('send-test welcome --to you@example.com'))
    .action(async (id: string, opts: { to: string; lead?: string }) => {
      const config = loadConfig();
      const to = emailSchema.safeParse(opts.to);
      if (!to.success) throw new CliError(`--to: "${opts.to}" is not an email address`);
      const catalog = loadCatalog(config.templatesDir);
      if (!catalog.has(id)) throw new CliError(`no template "${id}"; known: ${catalog.ids().join(', ')}`);
      const rendered = catalog.render(
        id,
        sampleRenderContext({
          publicUrl: config.PUBLIC_URL,
          sender: senderOf(config),
          lead: { email: to.data, ...parseLeadOption(opts.lead) },
          testMarker: true,
        }),
      );
      const mailer = createMailer(config);
      try {
        const info = await mailer.sendMail({
          from: config.MAIL_FROM,
          to: to.data,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          headers: { 'X-Nurture-Test': 'true' },
        });
        console.log(`sent "${rendered.subject}" to ${to.data}: ${info.response}`);
      } finally {
        mailer.close();
      }
    });
}
