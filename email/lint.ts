// `nurture templates lint`: every problem a send could hit, found before anything is sent.
// Per-template checks live in analyze.ts; here are the checks across files (layouts,
// partials, compliance content of layouts, campaign references).
import path from 'node:path';
import { analyzeFragment, closest, didYouMean, emptyUsage, type Usage } from './analyze.ts';
import { sortProblems, type Problem } from './problem.ts';
import { readTemplateSet, type TemplateSet, type TemplateSource } from './sources.ts';

interface CampaignTemplateRef {
  /** The campaign file and line that names the template. */
  file: string;
  line: number;
  column?: number;
  /** Where in the campaign, e.g. `stages.awareness.steps[0].send`. */
  path?: string;
  templateId: string;
}

export interface LintOptions {
  campaignRefs?: CampaignTemplateRef[];
}

export function lintTemplates(templatesDir: string, opts: LintOptions = {}): Problem[] {
  return lintTemplateSet(readTemplateSet(templatesDir), opts);
}

export function lintTemplateSet(set: TemplateSet, opts: LintOptions = {}): Problem[] {
  const problems: Problem[] = [...set.problems];
  const usages = new Map<TemplateSource, Usage>();
  const analyze = (t: TemplateSource) => {
    const usage = emptyUsage();
    for (const fragment of [t.body, t.subject, t.preheader]) {
      if (fragment) analyzeFragment(t, fragment, set, problems, usage);
    }
    usages.set(t, usage);
  };
  [...set.emails.values(), ...set.layouts.values(), ...set.partials.values()].forEach(analyze);

  for (const email of set.emails.values()) {
    const layout = email.frontMatter?.layout;
    if (layout !== undefined && !set.layouts.has(layout)) {
      problems.push({
        file: email.file,
        line: email.lineOf?.('layout') ?? 1,
        message: `missing layout "${layout}": no layouts/${layout}.hbs${didYouMean(layout, [...set.layouts.keys()])}`,
      });
    }
  }
  for (const layout of set.layouts.values()) problems.push(...checkLayout(layout, set, usages));
  problems.push(...checkPartialCycles(set, usages));

  for (const ref of opts.campaignRefs ?? []) {
    if (set.emails.has(ref.templateId)) continue;
    const suggestion = closest(ref.templateId, [...set.emails.keys()]);
    const where = path.relative(process.cwd(), path.join(set.dir, 'emails'));
    problems.push({
      file: ref.file,
      line: ref.line,
      ...(ref.column !== undefined ? { column: ref.column } : {}),
      path: ref.path ?? 'send',
      message: `no template "${ref.templateId}"${suggestion ? `; did you mean "${suggestion}"?` : ` in ${where}`}`,
    });
  }
  return sortProblems(problems);
}

/** Every marketing email must carry the body once, an unsubscribe link and the postal address. */
function checkLayout(layout: TemplateSource, set: TemplateSet, usages: Map<TemplateSource, Usage>): Problem[] {
  if (!layout.body.ast) return []; // already reported as a syntax error
  const problems: Problem[] = [];
  const at = (message: string) => problems.push({ file: layout.file, line: layout.body.line, message });
  const own = usages.get(layout)!;
  if (own.body !== 1) at(`layout "${layout.name}" must contain {{{body}}} exactly once (found ${own.body})`);
  const uses = reachable(layout, set, usages);
  if (!uses.helpers.has('unsubscribeUrl') && !uses.paths.has('links.unsubscribe')) {
    at(`layout "${layout.name}" has no unsubscribe link ({{unsubscribeUrl}} here or in a partial it uses)`);
  }
  if (!uses.paths.has('sender.postalAddress')) {
    at(`layout "${layout.name}" has no postal address ({{sender.postalAddress}} here or in a partial it uses)`);
  }
  return problems;
}

/** What a template uses, including through the partials it includes. */
function reachable(from: TemplateSource, set: TemplateSet, usages: Map<TemplateSource, Usage>): Usage {
  const all = emptyUsage();
  const seen = new Set<TemplateSource>();
  const visit = (t: TemplateSource) => {
    if (seen.has(t)) return;
    seen.add(t);
    const u = usages.get(t)!;
    u.helpers.forEach((h) => all.helpers.add(h));
    u.paths.forEach((p) => all.paths.add(p));
    for (const name of u.partials) {
      const partial = set.partials.get(name);
      if (partial) visit(partial);
    }
  };
  visit(from);
  return all;
}

// A partial that includes itself, directly or not, recurses until the stack overflows at send time.
function checkPartialCycles(set: TemplateSet, usages: Map<TemplateSource, Usage>): Problem[] {
  const problems: Problem[] = [];
  for (const partial of set.partials.values()) {
    const stack = [partial];
    const seen = new Set<TemplateSource>();
    while (stack.length) {
      const t = stack.pop()!;
      for (const name of usages.get(t)!.partials) {
        const next = set.partials.get(name);
        if (next === partial) {
          problems.push({
            file: partial.file,
            line: partial.body.line,
            message: `partial "${partial.name}" includes itself (through "${t.name}")`,
          });
        } else if (next && !seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
  }
  return problems;
}
