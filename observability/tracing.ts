// Optional OpenTelemetry tracing, off unless an OTLP endpoint is configured (the standard OTEL_*
// variables, validated in config/). Off, nothing of the SDK is loaded and no span leaves the
// process: what instrumented code touches is @opentelemetry/api, which does nothing without an
// SDK. On, the SDK and the exporter (observability/tracing-sdk.ts) are imported at start-up and
// spans go over OTLP/HTTP (JSON) to the endpoint; every span is scrubbed there by the log rules.
//
// One signup is one trace: the API's request span → the client's SignalWithStartWorkflow →
// RunWorkflow → StartActivity:sendEmail (workflow code, workflows/tracing.ts) → RunActivity:sendEmail
// → `smtp send` around the nodemailer call (activities/email/send.ts).
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

/** The settings tracing reads (config/index.ts holds them under these names). */
interface TracingEnv {
  OTEL_SDK_DISABLED: boolean;
  OTEL_TRACES_EXPORTER?: 'otlp' | 'none';
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_HEADERS?: string;
  OTEL_SERVICE_NAME?: string;
}

export interface TracingSettings {
  serviceName: string;
  /** Where spans are POSTed: the traces endpoint itself, or `<endpoint>/v1/traces`. */
  url: string;
  /** Sent with every export (a backend's API key): never logged. */
  headers: Record<string, string>;
}

/** The OTLP/HTTP default when only OTEL_TRACES_EXPORTER=otlp is set. */
const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/**
 * Tracing is on when an endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER=otlp asks for the default one;
 * OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED=true turn it off whatever else is set.
 */
export function tracingSettings(env: TracingEnv, defaultServiceName: string): TracingSettings | undefined {
  if (env.OTEL_SDK_DISABLED || env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!traces && !base && env.OTEL_TRACES_EXPORTER !== 'otlp') return undefined;
  return {
    serviceName: env.OTEL_SERVICE_NAME ?? defaultServiceName,
    // The per-signal variable is used as given; the base one gets the signal's path (the spec's rule).
    url: traces ?? `${(base ?? DEFAULT_OTLP_ENDPOINT).replace(/\/+$/, '')}/v1/traces`,
    headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
  };
}

/** `key=value,…` with percent-encoded values (config/ has checked the shape). */
function parseOtlpHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of raw?.split(',') ?? []) {
    const eq = pair.indexOf('=');
    if (eq > 0) headers[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return headers;
}

/** One process's tracing for one service (API or worker): its tracer and the Temporal hooks. */
export interface Tracing {
  tracer: Tracer;
  /** For the API's Temporal client: StartWorkflow/SignalWithStart spans, context in the headers. */
  clientInterceptors: WorkflowClientInterceptor[];
  /** For the worker: RunActivity spans continuing the context the workflow put in the headers. */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** For the worker: where the workflow interceptors' spans leave the sandbox. */
  workflowSinks: InjectedSinks<WorkflowSpanSinks>;
  /** Exports what is buffered (at stop, and for tests). */
  flush(): Promise<void>;
}

/** The sink the OpenTelemetry workflow interceptors call (`exporter.export`), by its package's name. */
type WorkflowSpanSinks = { exporter: { export(spans: unknown[]): void } };

/**
 * The worker's sink when it does not trace: workflows started by a tracing API still carry the
 * trace context and so still make spans (workflows/tracing.ts); they are dropped here instead of
 * each one logging an "unregistered sink" error.
 */
export const discardWorkflowSpans: InjectedSinks<WorkflowSpanSinks> = { exporter: { export: { fn: () => {} } } };

const running = new Set<Tracing>();

/**
 * Tracing for one service, or undefined when it is off; the SDK is only imported when it is on.
 * Idempotent: the same settings give the same provider (tests start several stacks in a process).
 */
export async function startTracing(settings: TracingSettings | undefined): Promise<Tracing | undefined> {
  if (!settings) return undefined;
  const { tracingFor } = await import('./tracing-sdk.ts');
  const tracing = tracingFor(settings);
  running.add(tracing);
  return tracing;
}

/** Exports every span this process has buffered, of every service it runs (tests call it). */
export async function flushTracing(): Promise<void> {
  await Promise.all([...running].map((t) => t.flush()));
}

/**
 * One SERVER span per API request, named by method and route template (`POST /webhooks/signup`),
 * with the status code; never the URL (link tokens), the client's address or a header. The
 * handler runs inside it, so the Temporal client's span is its child. A `traceparent` header
 * continues the caller's trace.
 */
export function traceRequests(app: FastifyInstance, tracer: Tracer): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url;
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      route ? `${req.method} ${route}` : req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, ...(route ? { 'http.route': route } : {}) },
      },
      parent,
    );
    spans.set(req, span);
    done();
  });
  // Body parsing runs outside any context we could set in onRequest, so the span is made active
  // just before the handler, which fastify calls synchronously from this hook's `done`.
  app.addHook('preHandler', (req, _reply, done) => {
    const span = spans.get(req);
    if (span) context.with(trace.setSpan(context.active(), span), done);
    else done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const span = spans.get(req);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      spans.delete(req);
    }
    done();
  });
  // A client that hangs up gets no response, and its span no onResponse: it ends here instead.
  app.addHook('onRequestAbort', (req, done) => {
    const span = spans.get(req);
    if (span) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'aborted by the client' });
      span.end();
      spans.delete(req);
    }
    done();
  });
}

/**
 * `send` (one SMTP conversation) inside a CLIENT span `smtp send`, when the worker traces. The
 * span says the campaign, the template and the reply's class (`2xx`, `4xx`, `5xx`, or `none` when
 * the connection broke) and on failure the error's class (`errorClass`, as the metrics count it):
 * never the reply or the error's text, which quote addresses.
 */
export async function smtpSendSpan<T extends { response?: string }>(
  tracer: Tracer | undefined,
  labels: { campaign: string; template: string },
  send: () => Promise<T>,
  errorClass: (err: unknown) => string,
): Promise<T> {
  if (!tracer) return send();
  const attributes = { 'nurture.campaign': labels.campaign, 'nurture.template': labels.template };
  return tracer.startActiveSpan('smtp send', { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const info = await send();
      span.setAttribute('smtp.response_class', smtpResponseClass(info.response));
      return info;
    } catch (err) {
      const kind = errorClass(err);
      span.setAttributes({
        'smtp.response_class': smtpResponseClass((err as { responseCode?: number } | undefined)?.responseCode),
        'nurture.smtp_error_class': kind,
      });
      span.setStatus({ code: SpanStatusCode.ERROR, message: kind });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** `250 …` (or 250) → `2xx`; no reply code → `none`. */
export function smtpResponseClass(reply: number | string | undefined): string {
  const digit = /^\s*([2-5])\d\d/.exec(String(reply ?? ''))?.[1];
  return digit ? `${digit}xx` : 'none';
}
