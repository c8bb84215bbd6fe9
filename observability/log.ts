// JSON log lines for every process, one pino logger per process. Whatever a log call or the
// Temporal SDK hands over is scrubbed before it is written: fields named like a credential or a
// person's name or address are dropped, email addresses inside any string (an SMTP answer, an
// error message) are masked, and link tokens in URLs are redacted (observability/log-redaction.ts).
import { pino, type DestinationStream, type Logger, type LevelWithSilent, type LoggerOptions } from 'pino';
import { isSecretName, redactUrl } from './log-redaction.ts';

const REDACTED = '[redacted]';
const EMAIL = /[\w.%+!#$&*=?^`{|}~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/gi;
const PERSONAL_NAME = /^(e-?mail|email_?address|to_?address|first_?name|last_?name|full_?name|phone)$/i;
// Beyond the URL rule's names (log-redaction.ts): credentials as fields tend to be named so.
const CREDENTIAL = /api_?key|private_?key|credential|authorization|cookie/i;
const URL_FIELD = /^(url|path|link|href)$/i;
const MAX_DEPTH = 6;

export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino({ level, ...scrubbingLogOptions }, destination);
}

/** The pino options that scrub every line: the fields of a log call and its message (the API's logger uses them too). */
export const scrubbingLogOptions = {
  formatters: { log: scrubFields },
  hooks: {
    logMethod(args: Parameters<LogFn>, method: LogFn) {
      const scrubbed = args.map((a: unknown) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<LogFn>;
      method.apply(this, scrubbed);
    },
  },
} satisfies LoggerOptions;

type LogFn = Logger['info'];

export function scrubText(text: string): string {
  return text.replace(EMAIL, '[email]');
}

function scrub(key: string, value: unknown, depth: number): unknown {
  if (isSecretName(key) || CREDENTIAL.test(key) || PERSONAL_NAME.test(key)) return REDACTED;
  if (typeof value === 'string') return scrubText(URL_FIELD.test(key) ? redactUrl(value) : value);
  if (value instanceof Error) return scrubError(value, depth);
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub('', v, depth + 1));
  // Only plain objects are walked: a request or response object is left to pino's serializers.
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? scrubObject(value as Record<string, unknown>, depth + 1) : value;
}

/** A flat map of fields (a log call's, a span's attributes) scrubbed by the rules above. */
export function scrubFields(fields: Record<string, unknown>): Record<string, unknown> {
  return scrubObject(fields, 0);
}

function scrubObject(fields: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = scrub(k, v, depth);
  return out;
}

/** pino's err serializer's shape, with the message and stack scrubbed. */
function scrubError(err: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: scrubText(err.message) };
  if (err.stack) out.stack = scrubText(err.stack);
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (err.cause !== undefined && depth < MAX_DEPTH) out.cause = scrub('cause', err.cause, depth + 1);
  return out;
}
