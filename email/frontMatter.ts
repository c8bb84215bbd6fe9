// Front matter is the YAML between the opening and closing `---` lines of a template file.
// Errors are values (Problems) naming the file, the line in that file and the field, because
// the reader is a marketer fixing a file, and lint wants every problem at once.
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import type { Problem } from './problem.ts';
import { LEAD_FIELDS } from './types.ts';

export const CONTENT_KINDS = [
  'welcome',
  'faq',
  'tutorial',
  'testimonial',
  'case-study',
  'discount',
  'onboarding',
  'referral',
  'review',
  're-engagement',
  'offer',
  'other',
] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

// Names end up as Handlebars path segments (`lead.properties.plan`), so keep them plain.
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain name (letters, digits, _)');
const FALLBACK_FIELDS: readonly string[] = LEAD_FIELDS.filter((f) => f !== 'id' && f !== 'email');

export const emailFrontMatterSchema = z
  .strictObject({
    subject: z.string().trim().min(1, 'must not be empty'),
    preheader: z.string().trim().min(1, 'must not be empty'),
    kind: z.enum(CONTENT_KINDS),
    stages: z.array(z.string().trim().min(1)).min(1, 'must name at least one stage'),
    layout: z
      .string()
      .regex(/^[A-Za-z0-9][\w-]*$/, 'must be a layout file name without .hbs')
      .default('default'),
    fallbacks: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    properties: z.array(identifier).default([]),
  })
  .superRefine((fm, ctx) => {
    for (const key of Object.keys(fm.fallbacks)) {
      if (!FALLBACK_FIELDS.includes(key) && !fm.properties.includes(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fallbacks', key],
          message: `"${key}" is neither a lead field (${FALLBACK_FIELDS.join(', ')}) nor a declared property`,
        });
      }
    }
  });
export type EmailFrontMatter = z.infer<typeof emailFrontMatterSchema>;

/** Partials may declare the hash parameters they take: `{{> button url=... label=...}}`. */
export const partialFrontMatterSchema = z.strictObject({ params: z.array(identifier).default([]) });
export type PartialFrontMatter = z.infer<typeof partialFrontMatterSchema>;

export interface SplitTemplate {
  /** The YAML text, or null when the file has no front matter. */
  yaml: string | null;
  /** File line of the YAML's first line. */
  yamlLine: number;
  body: string;
  /** File line of the body's first line: add `bodyLine - 1` to a body-relative line. */
  bodyLine: number;
}

export function splitFrontMatter(source: string): SplitTemplate | { error: string; line: number } {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') return { yaml: null, yamlLine: 1, body: lines.join('\n'), bodyLine: 1 };
  const close = lines.findIndex((l, i) => i > 0 && l.trimEnd() === '---');
  if (close < 0) return { error: 'front matter is not closed: add a `---` line after the YAML', line: 1 };
  return {
    yaml: lines.slice(1, close).join('\n'),
    yamlLine: 2,
    body: lines.slice(close + 1).join('\n'),
    bodyLine: close + 2,
  };
}

export interface ParsedFrontMatter<T> {
  data: T;
  body: string;
  bodyLine: number;
  /** File line of a front-matter field (`['subject']`), or of the front matter start if absent. */
  lineOf(path: readonly PropertyKey[]): number;
}

export type FrontMatterResult<T> = { ok: true; value: ParsedFrontMatter<T> } | { ok: false; problems: Problem[] };

/** Splits, parses and validates a template's front matter. `required` rejects files without it. */
export function parseFrontMatter<S extends z.ZodType>(
  file: string,
  source: string,
  schema: S,
  required: boolean,
): FrontMatterResult<z.output<S>> {
  const split = splitFrontMatter(source);
  if ('error' in split) return { ok: false, problems: [{ file, line: split.line, message: split.error }] };
  if (split.yaml === null && required) {
    return {
      ok: false,
      problems: [
        {
          file,
          line: 1,
          message:
            'missing front matter: the file must start with a `---` line, then YAML (subject, preheader, kind, stages), then `---`',
        },
      ],
    };
  }
  const counter = new LineCounter();
  const doc = parseDocument(split.yaml ?? '', { lineCounter: counter, prettyErrors: true });
  const toFileLine = (offset: number) => counter.linePos(offset).line + split.yamlLine - 1;
  const lineOf = (path: readonly PropertyKey[]) => {
    const offset = offsetOf(doc, path);
    return offset === undefined ? 1 : toFileLine(offset);
  };
  if (doc.errors.length) {
    const problems = doc.errors.map((e) => ({
      file,
      line: (e.linePos?.[0]?.line ?? 1) + split.yamlLine - 1,
      message: `front matter is not valid YAML: ${e.message.split('\n')[0]}`,
    }));
    return { ok: false, problems };
  }
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      // An unknown key is reported at the key itself, not at its parent object.
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const at = keys.length ? [...issue.path, keys[0]!] : issue.path;
      const field = fieldName(at) || 'front matter';
      const message = keys.length ? `unknown field (allowed: ${allowedKeys(schema)})` : issue.message;
      return { file, line: lineOf(at), message: `front matter ${field}: ${message}` };
    });
    return { ok: false, problems };
  }
  return { ok: true, value: { data: parsed.data, body: split.body, bodyLine: split.bodyLine, lineOf } };
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

function allowedKeys(schema: z.ZodType): string {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape).join(', ') : '';
}

/** Source offset of the deepest node along `path` that exists (missing keys point at their parent). */
function offsetOf(doc: Document, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = (node as { range?: [number] } | null)?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === segment);
      if (!pair) break;
      offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = (node as { range?: [number] } | undefined)?.range?.[0] ?? offset;
    } else break;
  }
  return offset;
}
