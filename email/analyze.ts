// Walks one template's Handlebars AST and reports what would go wrong at send time: unknown
// helpers, fields that do not exist, partials that are missing, unescaped lead data and links
// that are not https. It also records what the template uses, for the cross-template checks.
import type { Problem } from './problem.ts';
import { BUILTIN_HELPERS, DATE_FORMATS, EMAIL_HELPERS } from './helpers.ts';
import type { Fragment, TemplateSet, TemplateSource } from './sources.ts';
import { FIELDS, LEAD_DATA_ROOTS } from './types.ts';

type Node = hbs.AST.Node;
type Call = hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression;

export interface Usage {
  partials: Set<string>;
  helpers: Set<string>;
  /** `root` or `root.field` for every field referenced from the template root. */
  paths: Set<string>;
  /** How many times `{{{body}}}` appears (layouts). */
  body: number;
}

interface Scope {
  /** Context-changing blocks (`each`, `with`, sections) around this node. */
  depth: number;
  blockParams: string[];
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const HELPER_NAMES = [...Object.keys(BUILTIN_HELPERS), ...Object.keys(EMAIL_HELPERS)];

export function emptyUsage(): Usage {
  return { partials: new Set(), helpers: new Set(), paths: new Set(), body: 0 };
}

/** Analyses one fragment (a body, subject or preheader) of `template` into `problems` and `usage`. */
export function analyzeFragment(
  template: TemplateSource,
  fragment: Fragment,
  set: TemplateSet,
  problems: Problem[],
  usage: Usage,
): void {
  if (!fragment.ast) return;
  const isBody = fragment === template.body;
  const roots = new Set(Object.keys(FIELDS));
  if (!isBody) {
    // The subject and preheader are what these fragments produce, so they cannot use themselves.
    roots.delete('subject');
    roots.delete('preheader');
  }
  if (template.kind === 'layout' && isBody) roots.add('body');
  for (const p of template.params) roots.add(p);

  const report = (node: Node, message: string, offset?: { line: number; column: number }) => {
    const line = (offset?.line ?? node.loc.start.line) + fragment.line - 1;
    const column = (offset?.column ?? node.loc.start.column) + 1;
    problems.push({ file: template.file, line, ...(isBody ? { column } : {}), message });
  };

  const checkRootPath = (node: Node, parts: string[], shown: string) => {
    const [root, field, key, ...rest] = parts;
    if (root === undefined) return;
    if (!roots.has(root)) return report(node, `unknown field "${shown}"${didYouMean(root, [...roots, ...HELPER_NAMES])}`);
    usage.paths.add(parts.slice(0, 2).join('.'));
    const children = FIELDS[root];
    if (field === undefined || children === undefined) return; // a partial parameter or body
    if (children === null || !children.includes(field)) {
      return report(
        node,
        `unknown field "${shown}": ${root} has ${children ? `fields ${children.join(', ')}` : 'no fields'}${didYouMean(field, children ?? [])}`,
      );
    }
    const isProperties = root === 'lead' && field === 'properties';
    if (!isProperties && key !== undefined) return report(node, `unknown field "${shown}": ${root}.${field} has no fields`);
    if (!isProperties || key === undefined) return;
    const declared = template.frontMatter?.properties ?? [];
    if (template.kind !== 'email') {
      report(node, `"${shown}": only emails can use custom properties (declared in their front matter)`);
    } else if (!declared.includes(key)) {
      report(node, `unknown field "${shown}": declare "${key}" under properties in the front matter${didYouMean(key, declared)}`);
    } else if (rest.length) report(node, `unknown field "${shown}": lead properties are plain values`);
  };

  const checkPath = (p: hbs.AST.PathExpression, scope: Scope) => {
    const [first] = p.parts;
    if (p.data) {
      if (first === 'root') checkRootPath(p, p.parts.slice(1), p.original);
      return; // @index, @key, @first, @last: Handlebars' own
    }
    if (p.depth === 0 && first !== undefined && scope.blockParams.includes(first)) return;
    if (p.depth > scope.depth) return report(p, `"${p.original}" goes above the template's root`);
    // Inside each/with the context is an item we cannot type; only root-relative paths are checked.
    if (p.depth === scope.depth) checkRootPath(p, p.parts, p.original);
  };

  const checkLiteralArgs = (name: string, params: hbs.AST.Expression[]) => {
    const literal = (i: number) => {
      const e = params[i];
      return e?.type === 'StringLiteral' ? (e as hbs.AST.StringLiteral) : undefined;
    };
    const url = name === 'trackedLink' ? literal(0) : undefined;
    if (url && !isAllowedLiteralUrl(url.value)) {
      report(url, `link "${url.value}" must be https, or a path under the public URL like "/pricing"`);
    }
    const format = name === 'formatDate' ? literal(1) : name === 'discountExpiry' ? literal(0) : undefined;
    if (format && !(DATE_FORMATS as readonly string[]).includes(format.value)) {
      report(format, `unknown date format "${format.value}" (use ${DATE_FORMATS.join(', ')})`);
    }
    const currency = name === 'money' ? literal(1) : undefined;
    if (currency && !CURRENCIES.has(currency.value.toUpperCase())) {
      report(currency, `unknown currency "${currency.value}" (use an ISO 4217 code like "USD")`);
    }
  };

  const checkCall = (node: Call, scope: Scope, asBlock: boolean): 'helper' | 'field' | 'literal' => {
    const path = node.path as hbs.AST.PathExpression | hbs.AST.Literal;
    if (path.type !== 'PathExpression') return 'literal';
    const p = path as hbs.AST.PathExpression;
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    const simple = p.parts.length === 1 && p.depth === 0 && !p.data && !scope.blockParams.includes(p.original);
    const signature = simple ? (BUILTIN_HELPERS[p.original] ?? EMAIL_HELPERS[p.original]) : undefined;
    for (const e of node.params) expression(e, scope);
    for (const pair of node.hash?.pairs ?? []) expression(pair.value, scope);
    if (!signature && !hasArgs && node.type !== 'SubExpression') {
      checkPath(p, scope);
      return 'field';
    }
    if (!signature) {
      report(p, `unknown helper "${p.original}"${didYouMean(p.original, HELPER_NAMES)}`);
      return 'helper';
    }
    usage.helpers.add(p.original);
    if (signature.block !== asBlock) {
      report(
        p,
        signature.block
          ? `"${p.original}" is a block helper: {{#${p.original} ...}}...{{/${p.original}}}`
          : `"${p.original}" is not a block helper; use {{${p.original} ...}}`,
      );
    }
    const n = node.params.length;
    if (n < signature.min || n > signature.max) {
      const takes = signature.min === signature.max ? `${signature.min}` : `${signature.min} to ${signature.max}`;
      report(p, `"${p.original}" takes ${takes} argument(s), got ${n}`);
    }
    checkLiteralArgs(p.original, node.params);
    return 'helper';
  };

  const expression = (e: hbs.AST.Expression, scope: Scope) => {
    if (e.type === 'SubExpression') checkCall(e as hbs.AST.SubExpression, scope, false);
    else if (e.type === 'PathExpression') checkPath(e as hbs.AST.PathExpression, scope);
  };

  const checkUnescaped = (m: hbs.AST.MustacheStatement) => {
    const p = m.path as hbs.AST.PathExpression;
    const isBody = template.kind === 'layout' && fragment === template.body && p.original === 'body' && !m.params.length;
    if (isBody) return void usage.body++;
    const shown = `{{{${p.original ?? ''}${m.params.length ? ' …' : ''}}}}`;
    report(
      m,
      mentionsLeadData(m, template.params)
        ? `${shown} outputs lead data without HTML escaping; use {{ }} (only {{{body}}} in layouts may be unescaped)`
        : `${shown}: unescaped output is only allowed for {{{body}}} in layouts; use {{ }}`,
    );
  };

  const checkPartial = (s: hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement, scope: Scope) => {
    for (const pair of s.hash?.pairs ?? []) expression(pair.value, scope);
    if (s.name.type !== 'PathExpression') return report(s, 'partial names must be written out, not computed');
    const name = (s.name as hbs.AST.PathExpression).original;
    if (name === '@partial-block') return;
    usage.partials.add(name);
    const partial = set.partials.get(name);
    if (!partial) {
      return report(s, `missing partial "${name}": no partials/${name}.hbs${didYouMean(name, [...set.partials.keys()])}`);
    }
    if (s.params.length) report(s, `pass values to partial "${name}" as named parameters ({{> ${name} key=value}})`);
    const given = (s.hash?.pairs ?? []).map((pair) => pair.key);
    for (const key of given.filter((k) => !partial.params.includes(k))) {
      report(s, `partial "${name}" has no parameter "${key}" (it declares ${partial.params.join(', ') || 'none'})`);
    }
    const missing = partial.params.filter((k) => !given.includes(k));
    if (missing.length) report(s, `partial "${name}" needs ${missing.map((k) => `${k}=`).join(' ')}`);
  };

  const checkContent = (c: hbs.AST.ContentStatement) => {
    const text = (c as unknown as { original: string }).original;
    for (const m of text.matchAll(/\b(href|src)\s*=\s*["']?([^"'\s>]*)/gi)) {
      const url = m[2] ?? '';
      if (url === '' || /^(https:\/\/|mailto:|#)/i.test(url)) continue;
      const before = text.slice(0, m.index);
      const newlines = before.split('\n').length - 1;
      const column = newlines ? before.length - before.lastIndexOf('\n') - 1 : c.loc.start.column + before.length;
      report(c, `${m[1]} "${url}" must be https (or {{publicUrl}}/path, or {{trackedLink "..."}})`, {
        line: c.loc.start.line + newlines,
        column,
      });
    }
  };

  const program = (p: hbs.AST.Program | undefined, scope: Scope) => {
    for (const s of p?.body ?? []) statement(s, scope);
  };

  const statement = (s: hbs.AST.Statement, scope: Scope) => {
    switch (s.type) {
      case 'ContentStatement':
        return checkContent(s as hbs.AST.ContentStatement);
      case 'MustacheStatement': {
        const m = s as hbs.AST.MustacheStatement;
        if (!m.escaped) checkUnescaped(m);
        return void checkCall(m, scope, false);
      }
      case 'BlockStatement': {
        const b = s as hbs.AST.BlockStatement;
        const kind = checkCall(b, scope, true);
        const changesContext = kind === 'field' || ['each', 'with'].includes(b.path.original);
        const inner = {
          depth: scope.depth + (changesContext ? 1 : 0),
          blockParams: [...scope.blockParams, ...(b.program?.blockParams ?? [])],
        };
        program(b.program, inner);
        return program(b.inverse, scope);
      }
      case 'PartialStatement':
        return checkPartial(s as hbs.AST.PartialStatement, scope);
      case 'PartialBlockStatement':
        checkPartial(s as hbs.AST.PartialBlockStatement, scope);
        return program((s as hbs.AST.PartialBlockStatement).program, scope);
      case 'CommentStatement':
        return;
      default:
        return report(s, `${s.type} is not supported in email templates`);
    }
  };

  program(fragment.ast, { depth: 0, blockParams: [] });
}

/** Literal links must be https or a path under the public URL (resolved at render time). */
function isAllowedLiteralUrl(url: string): boolean {
  return /^https:\/\/[^/\s]/i.test(url) || (url.startsWith('/') && !url.startsWith('//'));
}

function mentionsLeadData(node: Call, params: string[]): boolean {
  const exprs: hbs.AST.Expression[] = [node.path, ...node.params, ...(node.hash?.pairs ?? []).map((p) => p.value)];
  return exprs.some((e) => {
    if (e.type === 'SubExpression') return mentionsLeadData(e as hbs.AST.SubExpression, params);
    if (e.type !== 'PathExpression') return false;
    const p = e as hbs.AST.PathExpression;
    const root = p.data && p.parts[0] === 'root' ? p.parts[1] : p.parts[0];
    // Partial parameters may carry anything the caller passed, so they count as lead data.
    return root !== undefined && (LEAD_DATA_ROOTS.has(root) || params.includes(root));
  });
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const best = closest(word, candidates);
  return best ? ` (did you mean "${best}"?)` : '';
}

/** The candidate a typo most likely meant: within a third of the word's length (at least 2 edits). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== word ? best : undefined;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
