// GET /healthz (the process serves), /readyz (PostgreSQL and Temporal answer within
// HEALTH_CHECK_TIMEOUT_MS) and /metrics (Prometheus text). Unauthenticated like any probe:
// they say nothing about a lead; keep /metrics off the public interface at the proxy.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.ts';
import { connectClient } from '../infra/client.ts';
import type { Db } from '../infra/db.ts';
import { checkReadiness, temporalProbe } from '../observability/health.ts';

export interface HealthDeps {
  config: Config;
  db: Db;
  metrics: Registry;
}

export function healthRoutes({ config, db, metrics }: HealthDeps) {
  const timeoutMs = config.HEALTH_CHECK_TIMEOUT_MS;
  return async (app: FastifyInstance) => {
    // Its own connection, without retries: a probe asks once, and leaves nothing running.
    const temporal = await connectClient(config, { lazy: true, retries: false });
    app.addHook('onClose', () => temporal.connection.close());
    const quiet = { logLevel: 'warn' as const };
    app.get('/healthz', quiet, async () => ({ ok: true }));
    app.get('/readyz', quiet, async (_req, reply) => {
      const readiness = await checkReadiness(
        {
          database: async () => {
            await db.$queryRaw`select 1`;
          },
          temporal: temporalProbe(temporal),
        },
        timeoutMs,
      );
      return reply.code(readiness.ready ? 200 : 503).send(readiness);
    });
    app.get('/metrics', quiet, async (_req, reply) =>
      reply.header('content-type', metrics.contentType).send(await metrics.metrics()),
    );
  };
}
