// The HTTP server: webhooks now; tracking, unsubscribe and the dashboard hang off it too.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Config } from '../config/index.ts';
import type { Db } from '../infra/db.ts';
import { webhookRoutes } from './webhooks.ts';

export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
}

export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.config.LOG_LEVEL === 'silent' ? false : { level: deps.config.LOG_LEVEL },
    bodyLimit: 1024 * 1024,
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url}` });
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    void reply.code(status).send({
      error: status >= 500 ? 'internal_error' : (err.code ?? 'bad_request').toLowerCase(),
      message: status >= 500 ? 'internal error' : err.message,
    });
  });

  app.get('/healthz', async () => ({ ok: true }));
  await app.register(webhookRoutes(deps));
  return app;
}
