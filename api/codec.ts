// The codec endpoint: Temporal's remote codec protocol, so the Temporal Web UI and CLI show an
// operator the decrypted payloads of a journey (and nobody else: admin bearer token only).
//
//   POST /codec/decode   {"payloads":[{"metadata":{"encoding":"<base64>"},"data":"<base64>"}]}
//   POST /codec/encode   the same shape, answered the same shape
//
// The Web UI calls it from the browser, cross-origin: CODEC_CORS_ORIGINS lists the UI's
// origins; a preflight from one of them is answered, any other origin is refused.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import type { Config } from '../config/index.ts';
import { describeIssues } from '../core/rules/schemas.ts';
import { PayloadDecryptionError, payloadCodecFor } from '../infra/payload-codec.ts';
import { requireAdmin } from './auth.ts';
import { sendError } from './errors.ts';

/** A decode request carries a page of history's payloads; Temporal caps one payload at 2 MiB. */
const CODEC_BODY_LIMIT = 16 * 1024 * 1024;
const MAX_PAYLOADS = 10_000;

// protobuf's JSON form of bytes: standard or URL-safe base64, padding optional.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const toBase64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('base64');

const bodySchema = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), base64).nullish(),
        data: base64.nullish(),
      }),
    )
    .max(MAX_PAYLOADS, `must hold at most ${MAX_PAYLOADS} payloads`),
});

/** Payloads in the protocol's JSON form (protobuf JSON: bytes as base64). */
const answer = (payloads: Payload[]) => ({
  payloads: payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, toBase64(v)])),
    data: toBase64(p.data),
  })),
});

const ALLOW_HEADERS = 'authorization, content-type, x-namespace';

export function codecRoutes({ config }: { config: Config }) {
  const codec = payloadCodecFor(config);
  const allowed = new Set(config.CODEC_CORS_ORIGINS);

  /** CORS for the UI's origins; a request from any other browser origin is refused. */
  function cors(req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
    const origin = req.headers.origin;
    if (origin === undefined) return done(); // not from a browser: the CLI, curl
    if (!allowed.has(origin)) {
      void sendError(reply, 403, 'origin_not_allowed', 'this origin is not in CODEC_CORS_ORIGINS');
      return;
    }
    void reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-credentials', 'true')
      .header('vary', 'Origin');
    done();
  }

  return async (app: FastifyInstance) => {
    app.addHook('onRequest', cors);
    const admin = { onRequest: requireAdmin({ tokens: config.ADMIN_TOKENS }), bodyLimit: CODEC_BODY_LIMIT };
    for (const operation of ['encode', 'decode'] as const) {
      // The preflight carries no token; the POST it announces is authenticated.
      app.options(`/codec/${operation}`, async (_req, reply) =>
        reply
          .code(204)
          .header('access-control-allow-methods', 'POST, OPTIONS')
          .header('access-control-allow-headers', ALLOW_HEADERS)
          .header('access-control-max-age', '600')
          .send(),
      );
      app.post(`/codec/${operation}`, admin, async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        const parsed = bodySchema.safeParse(req.body);
        if (!parsed.success) {
          return sendError(reply, 400, 'invalid_body', 'the body must be {"payloads":[{"metadata":{…},"data":"<base64>"}]}', {
            issues: describeIssues(parsed.error),
          });
        }
        const payloads: Payload[] = parsed.data.payloads.map((p) => ({
          metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, bytes(v)])),
          data: bytes(p.data ?? ''),
        }));
        if (operation === 'encode') return answer(await codec.encode(payloads));
        // One at a time, so a payload this server cannot decrypt is named by its index.
        const out: Payload[] = [];
        for (const [i, payload] of payloads.entries()) {
          try {
            out.push(...(await codec.decode([payload])));
          } catch (err) {
            if (!(err instanceof PayloadDecryptionError)) throw err;
            return sendError(reply, 400, 'undecodable_payload', 'a payload could not be decrypted', {
              issues: [{ field: `payloads.${i}`, problem: err.message }],
            });
          }
        }
        return answer(out);
      });
    }
  };
}
