// Reads templates/ once into parsed sources. Both lint and the catalog start from here, so the
// linted AST is exactly the one that gets compiled.
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import {
  emailFrontMatterSchema,
  parseFrontMatter,
  partialFrontMatterSchema,
  splitFrontMatter,
  type EmailFrontMatter,
} from './frontMatter.ts';
import type { Problem } from './problem.ts';

export type TemplateKind = 'email' | 'layout' | 'partial';

/** A piece of Handlebars source and the file line its first line sits on. */
export interface Fragment {
  source: string;
  line: number;
  /** Undefined when the source does not parse (a Problem says why). */
  ast: hbs.AST.Program | undefined;
}

export interface TemplateSource {
  kind: TemplateKind;
  /** Email id, layout name or partial name: the file name without `.hbs`. */
  name: string;
  file: string;
  body: Fragment;
  /** Emails with valid front matter only. */
  frontMatter?: EmailFrontMatter;
  subject?: Fragment;
  preheader?: Fragment;
  /** File line of a front-matter field, for problems about it. */
  lineOf?: (field: string) => number;
  /** Partials: the hash parameters they declare. */
  params: string[];
}

export interface TemplateSet {
  dir: string;
  emails: Map<string, TemplateSource>;
  layouts: Map<string, TemplateSource>;
  partials: Map<string, TemplateSource>;
  problems: Problem[];
}

const FOLDERS: Record<TemplateKind, string> = { email: 'emails', layout: 'layouts', partial: 'partials' };

export function readTemplateSet(templatesDir: string): TemplateSet {
  const dir = path.resolve(templatesDir);
  const set: TemplateSet = { dir, emails: new Map(), layouts: new Map(), partials: new Map(), problems: [] };
  if (!fs.existsSync(path.join(dir, FOLDERS.email))) {
    set.problems.push({ file: dir, line: 1, message: `no ${FOLDERS.email}/ folder in the templates directory` });
  }
  for (const kind of ['email', 'layout', 'partial'] as const) {
    const folder = path.join(dir, FOLDERS[kind]);
    if (!fs.existsSync(folder)) continue;
    for (const entry of fs.readdirSync(folder).sort()) {
      if (!entry.endsWith('.hbs')) continue;
      const source = readTemplate(kind, path.join(folder, entry), set.problems);
      (kind === 'email' ? set.emails : kind === 'layout' ? set.layouts : set.partials).set(source.name, source);
    }
  }
  return set;
}

function readTemplate(kind: TemplateKind, file: string, problems: Problem[]): TemplateSource {
  const text = fs.readFileSync(file, 'utf8');
  const name = path.basename(file, '.hbs');
  const split = splitFrontMatter(text);
  const body = 'error' in split ? { source: '', line: 1 } : { source: split.body, line: split.bodyLine };
  const source: TemplateSource = {
    kind,
    name,
    file,
    body: parseFragment(file, body.source, body.line, problems, true),
    params: [],
  };
  if (kind === 'email') {
    const fm = parseFrontMatter(file, text, emailFrontMatterSchema, true);
    if (!fm.ok) problems.push(...fm.problems);
    else {
      const { data, lineOf } = fm.value;
      source.frontMatter = data;
      source.lineOf = (field) => lineOf([field]);
      source.subject = parseFragment(file, data.subject, lineOf(['subject']), problems);
      source.preheader = parseFragment(file, data.preheader, lineOf(['preheader']), problems);
    }
  } else if (kind === 'partial') {
    const fm = parseFrontMatter(file, text, partialFrontMatterSchema, false);
    if (!fm.ok) problems.push(...fm.problems);
    else source.params = fm.value.data.params;
  } else if ('error' in split || split.yaml !== null) {
    problems.push({ file, line: 1, message: 'layouts take no front matter' });
  }
  return source;
}

function parseFragment(file: string, source: string, line: number, problems: Problem[], inBody = false): Fragment {
  try {
    return { source, line, ast: Handlebars.parse(source) };
  } catch (err) {
    const e = err as { message: string; lineNumber?: number; column?: number };
    // Parser errors carry the line only in their message (with a source excerpt we drop);
    // compiler exceptions carry it as fields.
    const at = e.lineNumber ?? Number(/on line (\d+)/.exec(e.message)?.[1] ?? 1);
    const lines = e.message.split('\n');
    const expecting = lines.find((l) => l.startsWith('Expecting'));
    const detail = (expecting ?? lines[0] ?? '').replace(/ - \d+:\d+$/, '');
    problems.push({
      file,
      line: at + line - 1,
      ...(inBody && e.column !== undefined ? { column: e.column + 1 } : {}),
      message: `template syntax error: ${detail}`,
    });
    return { source, line, ast: undefined };
  }
}
