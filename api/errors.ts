// JSON error bodies, everywhere: `{ error: <snake_case code>, message, ...details }`.
// Fastify's own errors (body too large, wrong content type, bad JSON) are mapped to the
// same shape; anything unexpected is a 500 with no internals in the body.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Seconds a sender should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

export interface ErrorBody {
  error: string;
  message: string;
  [detail: string]: unknown;
}

/** Temporal did not accept a call in time: the request is retryable, nothing was recorded. */
export class TemporalUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Temporal is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TemporalUnavailableError';
  }
}

export function sendError(
  reply: FastifyReply,
  status: number,
  error: string,
  message: string,
  details: Record<string, unknown> = {},
) {
  if (status === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.code(status).send({ error, message, ...details } satisfies ErrorBody);
}

export function unavailableBody(): ErrorBody {
  return {
    error: 'temporarily_unavailable',
    message: `the journey engine is unreachable; nothing was recorded, retry in ${RETRY_AFTER_SECONDS}s`,
  };
}

const FASTIFY_CODES: Record<string, { status: number; error: string; message?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    error: 'unsupported_media_type',
    message: 'content-type must be application/json',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, error: 'body_too_large' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, error: 'invalid_json', message: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, error: 'invalid_json', message: 'the body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, error: 'bad_request', message: 'content-length does not match the body' },
};

/** A failure that says "try again later": Temporal unreachable, or no database connection in time. */
export function isRetryable(err: unknown): boolean {
  return err instanceof TemporalUnavailableError || isPrismaPoolTimeout(err);
}

function isPrismaPoolTimeout(err: unknown): boolean {
  // P2024: no pool connection in time; P2028: a transaction could not start in time.
  const code = (err as { code?: unknown }).code;
  return code === 'P2024' || code === 'P2028';
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (isRetryable(err)) {
    req.log.warn({ err }, 'dependency unavailable; answered 503');
    void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return reply.code(503).send(unavailableBody());
  }
  const known = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (known) return sendError(reply, known.status, known.error, known.message ?? err.message);
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  if (status >= 500) {
    req.log.error({ err }, 'request failed');
    return sendError(reply, status, 'internal_error', 'internal error');
  }
  return sendError(reply, status, (err.code ?? 'bad_request').replace(/^FST_ERR_/, '').toLowerCase(), err.message);
}
