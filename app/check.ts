// What the worker checks before it starts, as one list: every campaign file (schema,
// durations, references between stages, duplicate ids) and every template, layout and
// partial, with each campaign `send:` that names no template. `nurture check` prints this
// list; the worker refuses to start unless it is empty, so the two never disagree.
import path from 'node:path';
import type { Config } from '../config/index.ts';
import { lintTemplates } from '../email/index.ts';
import { CampaignRegistry } from '../infra/campaigns.ts';

/** One problem, located in the file a marketer edits (line and column 1-based). */
export interface CheckProblem {
  file: string;
  line: number;
  column: number;
  /** Where inside the file (`stages.awareness.steps[0].send`); empty for a template's own problems. */
  path: string;
  message: string;
}

type Dirs = Pick<Config, 'campaignsDir' | 'templatesDir'>;

/** Every problem, sorted by file, line and column; `[]` when the worker would start. */
export function checkSources(config: Dirs, campaigns = new CampaignRegistry(config.campaignsDir)): CheckProblem[] {
  const problems: CheckProblem[] = campaigns.scan().errors.map((e) => ({ ...e, file: shown(e.file) }));
  for (const p of lintTemplates(config.templatesDir, { campaignRefs: campaigns.templateRefs() })) {
    problems.push({ file: shown(p.file), line: p.line, column: p.column ?? 1, path: p.path ?? '', message: p.message });
  }
  return sortProblems(problems);
}

/** `file:line:col path: message`, the form editors and CI annotations jump to. */
export function formatCheckProblem(p: CheckProblem): string {
  return `${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** Throws with every problem unless the campaigns and templates are clean (worker start-up). */
export function assertSourcesClean(config: Dirs, campaigns?: CampaignRegistry): void {
  const problems = checkSources(config, campaigns);
  if (problems.length) {
    throw new Error(
      `refusing to start: ${problems.length} problem(s) in campaigns or templates (nurture check lists them):\n${problems.map(formatCheckProblem).join('\n')}`,
    );
  }
}

function sortProblems(problems: CheckProblem[]): CheckProblem[] {
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

function shown(file: string): string {
  return path.isAbsolute(file) ? path.relative(process.cwd(), file) || file : file;
}
