// The HTTP server: signed webhooks, tracking, unsubscribe and the admin API; the dashboard
// hangs off it too. Every answer, error or not, is JSON except the pixel, redirects and the
// unsubscribe pages.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { FastifyLoggerStreamDestination } from 'fastify/types/logger.js';
import type { Client } from '@temporalio/client';
import type { Tracer } from '@opentelemetry/api';
import type { Config } from '../config/index.ts';
import type { CampaignRegistry } from '../infra/campaigns.ts';
import type { Db } from '../infra/db.ts';
import { createMailer, type Mailer } from '../infra/mailer.ts';
import { DEFAULT_TEMPORAL_TIMEOUT_MS } from '../workflows/journey/client.ts';
import { adminLeadRoutes } from './admin/leads.ts';
import { confirmationRoutes } from './confirmation.ts';
import { requireAdmin } from './auth.ts';
import { codecRoutes } from './codec.ts';
import { dashboardRoutes } from './dashboard/index.ts';
import { dashboardGuard } from './dashboard/security.ts';
import type { RouteDeps } from './deps.ts';
import { errorHandler } from './errors.ts';
import { healthRoutes } from './health.ts';
import { redactedRequestSerializer } from '../observability/log-redaction.ts';
import { scrubbingLogOptions } from '../observability/log.ts';
import { metricsRegistry } from '../observability/metrics.ts';
import { traceRequests } from '../observability/tracing.ts';
import { journeyGaugeReaders } from '../reports/metrics-gauges.ts';
import { registerRateLimits } from './rate-limits.ts';
import { trackingRoutes } from './tracking.ts';
import { unsubscribeRoutes } from './unsubscribe.ts';
import { webhookRoutes } from './webhooks/index.ts';

export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  /** The campaigns a signup may enroll in (re-read when their files change). */
  campaigns: CampaignRegistry;
  /** How long one call into Temporal may take before the request answers 503. */
  temporalTimeoutMs?: number;
  /** Default: one built from the config, closed with the server. */
  mailer?: Mailer;
  /** Where the request log goes (default stdout); tests read it. */
  logStream?: FastifyLoggerStreamDestination;
  /** What /metrics serves; default: the process's counters and gauges read from `db`. */
  metrics?: Registry;
  /** When the API traces: one span per request (observability/tracing.ts). */
  tracer?: Tracer;
}

export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      deps.config.LOG_LEVEL === 'silent'
        ? false
        : // Link tokens are capabilities, addresses personal: never in the log (observability/).
          {
            level: deps.config.LOG_LEVEL,
            serializers: { req: redactedRequestSerializer },
            stream: deps.logStream,
            ...scrubbingLogOptions,
          },
    trustProxy: deps.config.TRUST_PROXY ?? false,
    bodyLimit: 1024 * 1024,
    // Token paths can be long (a click token carries its URL).
    routerOptions: { maxParamLength: 8192 },
  });
  // First, so that every route and hook below runs inside its request's span.
  if (deps.tracer) traceRequests(app, deps.tracer);
  const mailer = deps.mailer ?? createMailer(deps.config);
  if (!deps.mailer) app.addHook('onClose', () => mailer.close());
  const routeDeps: RouteDeps = {
    config: deps.config,
    db: deps.db,
    campaigns: deps.campaigns,
    mailer,
    temporal: { client: deps.temporal, timeoutMs: deps.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS },
  };

  if (deps.config.WEBHOOK_SIGNATURE_DISABLED) {
    const warning =
      'WEBHOOK_SIGNATURE_DISABLED=true: webhooks are accepted WITHOUT signature checks. Development only; never expose this server.';
    console.warn(`\n!!! ${warning} !!!\n`);
    app.log.warn(warning);
  }

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
  app.setErrorHandler(errorHandler);

  await registerRateLimits(app, deps.config);
  await app.register(
    healthRoutes({
      config: deps.config,
      db: deps.db,
      metrics: deps.metrics ?? metricsRegistry(journeyGaugeReaders(deps.db)),
    }),
  );
  await app.register(webhookRoutes(routeDeps));
  await app.register(trackingRoutes(routeDeps));
  await app.register(unsubscribeRoutes(routeDeps));
  await app.register(confirmationRoutes(routeDeps));
  // Headers, CSP nonce and cross-site check for every path under /dashboard, 404s included.
  app.addHook('onRequest', dashboardGuard(deps.config.PUBLIC_URL));
  await app.register(dashboardRoutes(routeDeps));
  await app.register(codecRoutes(routeDeps));
  await app.register(async (admin) => {
    admin.addHook('onRequest', requireAdmin({ tokens: deps.config.ADMIN_TOKENS }));
    await admin.register(adminLeadRoutes(routeDeps));
  });
  return app;
}
