// `nurture check`: what the worker checks before it starts (app/check.ts), for CI and editors.
import fs from 'node:fs';
import { styleText } from 'node:util';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.ts';
import { checkSources, formatCheckProblem, type CheckProblem } from '../app/check.ts';
import { CliError, EXIT_USAGE } from './errors.ts';

const EXAMPLES = `
Exit codes: 0 clean, 1 problems found, 2 usage error or unreadable input.

Examples:
  $ nurture check
  campaigns/example.yaml:12:15 stages.awareness.steps[1].send: no template "welcom"; did you mean "welcome"?
  1 problem

  $ nurture check --json
  [{"file":"campaigns/example.yaml","line":12,"column":15,"path":"stages.awareness.steps[1].send","message":"no template \\"welcom\\"; did you mean \\"welcome\\"?"}]

  $ NURTURE_CAMPAIGNS_DIR=next/campaigns nurture check && nurture worker`;

/** Colour only for a person at a terminal, and never when NO_COLOR is set (https://no-color.org). */
function painter(
  stream: NodeJS.WriteStream,
  env = process.env,
): (style: Parameters<typeof styleText>[0], text: string) => string {
  const on = stream.isTTY === true && !env.NO_COLOR;
  return (style, text) => (on ? styleText(style, text) : text);
}

function printProblems(problems: CheckProblem[]): void {
  const paint = painter(process.stdout);
  for (const p of problems) {
    const [where, ...rest] = formatCheckProblem(p).split(' ');
    console.log(`${paint('bold', where!)} ${paint('red', rest.join(' '))}`);
  }
}

/**
 * A missing folder is a wrong setting, not a clean result: exit 2. (The worker itself starts
 * with no campaigns folder: it then has no campaign to enroll in.)
 */
function assertReadable(config: Config): void {
  for (const [name, dir] of [
    ['NURTURE_CAMPAIGNS_DIR', config.campaignsDir],
    ['NURTURE_TEMPLATES_DIR', config.templatesDir],
  ] as const) {
    try {
      fs.readdirSync(dir);
    } catch (err) {
      throw new CliError(`${name}: cannot read ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, EXIT_USAGE);
    }
  }
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('check campaigns and templates as the worker does at start: file:line:col path: message')
    .option('--json', 'print the problems as a JSON array of {file, line, column, path, message}')
    .addHelpText('after', EXAMPLES)
    .action((opts: { json?: boolean }) => {
      const config = loadConfig();
      assertReadable(config);
      const problems = checkSources(config);
      if (opts.json) console.log(JSON.stringify(problems));
      else if (problems.length) {
        printProblems(problems);
        console.error(`${problems.length} problem${problems.length === 1 ? '' : 's'}`);
      } else console.log(`campaigns and templates are clean (${config.campaignsDir}, ${config.templatesDir})`);
      if (problems.length) process.exitCode = 1;
    });
}
