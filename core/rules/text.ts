// Free text at the edge. PostgreSQL text and jsonb cannot hold U+0000, and a lone UTF-16
// surrogate is not text at all (the database layer refuses it): refuse both where the text
// enters rather than fail later.
const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const NUL_PROBLEM = 'must not contain NUL characters';
export const SURROGATE_PROBLEM = 'must be valid Unicode (no lone surrogates)';

export const hasNoNul = (s: string) => !s.includes(NUL);
export const isWellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** Why a string cannot be stored, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  if (!hasNoNul(s)) return NUL_PROBLEM;
  if (!isWellFormed(s)) return SURROGATE_PROBLEM;
  return undefined;
}
