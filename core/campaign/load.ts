// Reading campaign files: YAML -> zod -> Campaign, with every problem reported as
// file:line:column plus the path inside the file, so a marketer can find the exact line.
// Uses node: modules, so it is for the worker, API and CLI only, never for workflow code.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { campaignSchema, type Campaign } from './schema.ts';

export type CampaignError = { file: string; line: number; column: number; path: string; message: string };
export type ParsedCampaign = { ok: true; file: string; campaign: Campaign; version: string };
export type CampaignParseResult = ParsedCampaign | { ok: false; errors: CampaignError[] };
export type TemplateReference = { file: string; line: number; templateId: string };

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

export async function loadCampaignFile(file: string): Promise<CampaignParseResult> {
  return parseCampaign(await readFile(file, 'utf8'), file);
}

/** Every *.yaml / *.yml in dir. Two files declaring the same campaign id is an error too. */
export async function loadCampaignDir(dir: string): Promise<{ campaigns: ParsedCampaign[]; errors: CampaignError[] }> {
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  const campaigns: ParsedCampaign[] = [];
  const errors: CampaignError[] = [];
  const byId = new Map<string, string>();
  for (const name of names) {
    const result = await loadCampaignFile(path.join(dir, name));
    if (!result.ok) {
      errors.push(...result.errors);
      continue;
    }
    const other = byId.get(result.campaign.id);
    if (other !== undefined) {
      errors.push({
        file: result.file,
        line: 1,
        column: 1,
        path: 'id',
        message: `campaign id "${result.campaign.id}" is also used by ${other}`,
      });
      continue;
    }
    byId.set(result.campaign.id, result.file);
    campaigns.push(result);
  }
  return { campaigns, errors };
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
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key) && pair.key.value === 'send' && isScalar(pair.value) && typeof pair.value.value === 'string') {
          found.push({ file, line: lines.linePos(pair.value.range?.[0] ?? 0).line, templateId: pair.value.value });
        }
        visit(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item);
    }
  };
  visit(doc.getIn(['stages'], true));
  return found;
}

/** `['stages', 'desire', 'steps', 2, 'within']` -> `stages.desire.steps[2].within`. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
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
