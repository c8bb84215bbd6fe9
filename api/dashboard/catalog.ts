// The templates as the dashboard sees them: every email with its front matter and its own
// lint problems, plus a catalog to render previews with. loadCatalog refuses a directory with
// any problem (right for the worker, which must never send from a broken set); a gallery must
// still show the good templates next to the broken one, so when only some emails are broken
// we compile a copy of the directory without them. Re-read when a file changes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lintTemplates, loadCatalog, type Catalog, type EmailFrontMatter, type Problem } from '../../email/index.ts';
import { readTemplateSet } from '../../email/sources.ts';

export interface TemplateEntry {
  id: string;
  file: string;
  frontMatter: EmailFrontMatter | null;
  problems: Problem[];
}

export interface TemplateState {
  dir: string;
  emails: TemplateEntry[];
  /** Problems in layouts, partials or the folder itself: they break every email. */
  shared: Problem[];
  catalog: Catalog | null;
  /** Why there is no catalog, when there is none. */
  catalogError: string | null;
}

const FOLDERS = ['emails', 'layouts', 'partials'];
const cache = new Map<string, { stamp: string; state: TemplateState }>();

function stampOf(dir: string): string {
  const parts: string[] = [];
  for (const folder of FOLDERS) {
    const full = path.join(dir, folder);
    if (!fs.existsSync(full)) continue;
    for (const name of fs.readdirSync(full).sort()) {
      const st = fs.statSync(path.join(full, name));
      parts.push(`${folder}/${name}:${st.size}:${st.mtimeMs}`);
    }
  }
  return parts.join('|');
}

export function templateState(dir: string): TemplateState {
  const stamp = stampOf(dir);
  const hit = cache.get(dir);
  if (hit && hit.stamp === stamp) return hit.state;
  const state = readState(dir);
  cache.set(dir, { stamp, state });
  return state;
}

function readState(dir: string): TemplateState {
  const set = readTemplateSet(dir);
  const problems = lintTemplates(dir);
  const emailFiles = new Set([...set.emails.values()].map((e) => e.file));
  const emails = [...set.emails.values()].map((e) => ({
    id: e.name,
    file: e.file,
    frontMatter: e.frontMatter ?? null,
    problems: problems.filter((p) => p.file === e.file),
  }));
  const shared = problems.filter((p) => !emailFiles.has(p.file));
  const broken = emails.filter((e) => e.problems.length > 0 || !e.frontMatter);
  let catalog: Catalog | null = null;
  let catalogError: string | null = null;
  if (shared.length) catalogError = 'layouts or partials have problems, so no email can be rendered';
  else {
    try {
      catalog = broken.length ? loadWithout(dir, new Set(broken.map((b) => b.file))) : loadCatalog(dir);
    } catch (err) {
      catalogError = (err as Error).message;
    }
  }
  return { dir: set.dir, emails, shared, catalog, catalogError };
}

/** Compiles a temporary copy of `dir` without the broken email files (compiled in memory, so the copy can go). */
function loadWithout(dir: string, skip: Set<string>): Catalog {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-gallery-'));
  try {
    for (const folder of FOLDERS) {
      const from = path.join(dir, folder);
      if (!fs.existsSync(from)) continue;
      fs.mkdirSync(path.join(tmp, folder));
      for (const name of fs.readdirSync(from)) {
        const file = path.join(path.resolve(dir), folder, name);
        if (!skip.has(file)) fs.copyFileSync(file, path.join(tmp, folder, name));
      }
    }
    return loadCatalog(tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `emails/welcome.hbs:12:3 message`, relative to the templates folder. */
export function problemLine(dir: string, p: Problem): string {
  return `${path.relative(dir, p.file) || p.file}:${p.line}${p.column ? `:${p.column}` : ''} ${p.message}`;
}
