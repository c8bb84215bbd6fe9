// Parsing campaign files: YAML text -> zod -> Campaign, with every problem reported as
// file:line:column plus the path inside the file, so a marketer can find the exact line.
// Reading the files is infra/campaigns.ts's job; this is never imported by workflow code.
import { createHash } from 'node:crypto';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { campaignSchema, type Campaign } from './schema.ts';

export type CampaignError = { file: string; line: number; column: number; path: string; message: string };
export type ParsedCampaign = { ok: true; file: string; campaign: Campaign; version: string };
export type CampaignParseResult = ParsedCampaign | { ok: false; errors: CampaignError[] };
/** A `send:` naming a template: where it is (the value's line and column) and its path in the file. */
export type TemplateReference = { file: string; line: number; column: number; path: string; templateId: string };

/** The version a running journey keeps: a content hash, so any edit is a new version. */
export function campaignVersion(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function parseCampaign(text: string, file: string): CampaignParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number) => lines.linePos(offset);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ file, ...lineCol(at(e.pos[0])), path: '', message: firstLine(e.message) })),
    };
  }
  if (doc.contents === null) return { ok: false, errors: [{ file, line: 1, column: 1, path: '', message: 'the file is empty' }] };
  const parsed = campaignSchema.safeParse(doc.toJS({ maxAliasCount: 100 }));
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.flatMap((issue) => toErrors(issue, doc, at, file)) };
  }
  return { ok: true, file, campaign: parsed.data, version: campaignVersion(text) };
}

/** One line per problem: `campaigns/x.yaml:12:5 stages.desire.steps[2].within: must be a duration like 3d`. */
export function formatErrors(errors: CampaignError[]): string[] {
  return errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.path ? `${e.path}: ` : ''}${e.message}`);
}

/**
 * Every `send:` under `stages`, with its line, read from the YAML itself so a template linter
 * can point at the campaign line naming a missing template even when the campaign is invalid.
 */
export function templateReferences(text: string, file: string): TemplateReference[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const found: TemplateReference[] = [];
  const visit = (node: unknown, at: Array<string | number>): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        if (key === 'send' && isScalar(pair.value) && typeof pair.value.value === 'string') {
          const pos = lineCol(lines.linePos(pair.value.range?.[0] ?? 0));
          found.push({ file, ...pos, path: formatPath([...at, key]), templateId: pair.value.value });
        }
        visit(pair.value, [...at, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...at, i]));
    }
  };
  visit(doc.getIn(['stages'], true), ['stages']);
  return found;
}

/** `['stages', 'desire', 'steps', 2, 'within']` -> `stages.desire.steps[2].within`. */
function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`)).join('');
}

function toErrors(
  issue: z.core.$ZodIssue,
  doc: Document,
  at: (o: number) => { line: number; col: number },
  file: string,
): CampaignError[] {
  const base = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const make = (segments: Array<string | number>, message: string, pointAtKey = false): CampaignError => ({
    file,
    ...lineCol(at(offsetOf(doc, segments, pointAtKey))),
    path: formatPath(segments),
    message,
  });
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => make([...base, k], `unknown field "${k}"`, true));
  }
  if (issue.code === 'invalid_key') {
    return [make(base, `invalid name: ${issue.issues[0]?.message ?? issue.message}`, true)];
  }
  return [make(base, humanize(issue.message))];
}

// zod's wording for a missing field is "expected string, received undefined".
function humanize(message: string): string {
  if (/received undefined$/.test(message)) return 'is required';
  return message.replace(/^Invalid input: /, '');
}

// The deepest node that exists on the path: a missing field is reported at its parent.
function offsetOf(doc: Document, segments: Array<string | number>, pointAtKey: boolean): number {
  for (let n = segments.length; n >= 0; n--) {
    const head = segments.slice(0, n);
    if (pointAtKey && n === segments.length && n > 0) {
      const parent = doc.getIn(head.slice(0, -1), true) as unknown;
      const key = head[head.length - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
        const range = (pair?.key as Node | undefined)?.range;
        if (range) return range[0];
      }
      continue;
    }
    const node = (n === 0 ? doc.contents : doc.getIn(head, true)) as Node | null | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return node.range[0];
  }
  return 0;
}

function lineCol(p: { line: number; col: number }): { line: number; column: number } {
  return { line: p.line, column: p.col };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
