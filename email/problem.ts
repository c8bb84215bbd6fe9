import path from 'node:path';

/** One lint or load finding, located in the file a marketer edits. Lines and columns are 1-based. */
export interface Problem {
  file: string;
  line: number;
  column?: number;
  /** Where inside the file, for files with structure (a campaign's `stages.awareness.steps[0].send`). */
  path?: string;
  message: string;
}

/** `file:line:col path: message`, one per line, paths relative to the cwd so editors can jump to them. */
export function formatProblems(problems: readonly Problem[], cwd = process.cwd()): string {
  return sortProblems(problems)
    .map((p) => {
      const file = path.isAbsolute(p.file) ? path.relative(cwd, p.file) || p.file : p.file;
      return `${file}:${p.line}${p.column ? `:${p.column}` : ''} ${p.path ? `${p.path}: ` : ''}${p.message}`;
    })
    .join('\n');
}

export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
}

/** Thrown by loadCatalog: the templates must lint clean before anything is sent from them. */
export class TemplateProblemsError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`templates have ${problems.length} problem(s):\n${formatProblems(problems)}`);
    this.name = 'TemplateProblemsError';
  }
}
