// The body of a signed webhook: application/json only, kept as raw bytes until the
// signature over those bytes is verified, then parsed (with Fastify's prototype-poisoning
// guard). Order of answers: 415 wrong type, 413 too large (Fastify, before reading on),
// 401 bad signature, 400 invalid JSON; the route then validates the shape (400).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendError } from '../errors.ts';
import { SIGNATURE_HEADER, verifySignature } from '../../infra/signature.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes of a signed webhook body. */
    rawBody?: Buffer;
  }
}

export interface SignedBodyOptions {
  secrets: readonly string[];
  /** Development only: accept unsigned requests. */
  disabled: boolean;
  nowSeconds?: () => number;
}

/** Call inside an encapsulated plugin: affects that plugin's routes only. */
export function useSignedJsonBody(app: FastifyInstance, opts: SignedBodyOptions): void {
  const now = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const parseJson = app.getDefaultJsonParser('error', 'error');

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('preValidation', async (req, reply) => {
    const raw = req.body;
    if (!Buffer.isBuffer(raw)) {
      return sendError(reply, 415, 'unsupported_media_type', 'content-type must be application/json');
    }
    if (!opts.disabled) {
      const check = verifySignature({
        header: req.headers[SIGNATURE_HEADER],
        rawBody: raw,
        secrets: opts.secrets,
        nowSeconds: now(),
      });
      if (!check.ok) {
        req.log.info({ reason: check.reason }, 'webhook signature rejected');
        return sendError(reply, 401, 'invalid_signature', SIGNATURE_PROBLEMS[check.reason], { reason: check.reason });
      }
    }
    req.rawBody = raw;
    const parsed = await new Promise<{ ok: true; value: unknown } | { ok: false }>((resolve) => {
      void parseJson(req as FastifyRequest, raw.toString('utf8'), (err, value) =>
        resolve(err ? { ok: false } : { ok: true, value }),
      );
    });
    if (!parsed.ok) {
      return sendError(reply, 400, 'invalid_json', raw.length === 0 ? 'the body is empty' : 'the body is not valid JSON');
    }
    req.body = parsed.value;
  });
}

const SIGNATURE_PROBLEMS = {
  missing: 'the Nurture-Signature header is missing',
  malformed: 'the Nurture-Signature header must be t=<unix seconds>,v1=<hex HMAC-SHA256>',
  expired: 'the signature timestamp is more than 5 minutes from now',
  mismatch: 'the signature does not match the body for any configured secret',
} as const;
