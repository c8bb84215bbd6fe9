// The OpenTelemetry SDK, imported only when tracing is on (observability/tracing.ts). One tracer
// provider per service, so that where the API and the worker share a process (`nurture dev`,
// the tests) their spans still name their own service; the context manager and the W3C
// propagator, which the Temporal interceptors use through the global API, are the process's.
import type { Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowInfo } from '@temporalio/workflow';
import { scrubFields, scrubText } from './log.ts';
import type { Tracing, TracingSettings } from './tracing.ts';

const byService = new Map<string, Tracing>();
let globalsRegistered = false;

export function tracingFor(settings: TracingSettings): Tracing {
  const key = JSON.stringify(settings);
  const known = byService.get(key);
  if (known) return known;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: settings.serviceName }).merge(envDetectorSync.detect());
  const processor = new ScrubbingSpanProcessor(
    new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url, headers: settings.headers })),
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  if (!globalsRegistered) {
    // Sets the AsyncLocalStorage context manager and the W3C trace-context propagator (and makes
    // this the global provider, which nothing of ours uses: every tracer is handed over).
    provider.register();
    globalsRegistered = true;
  }
  const tracer = provider.getTracer('nurture');
  const workflowExporter = makeWorkflowExporter(processor, resource);
  const tracing: Tracing = {
    tracer,
    clientInterceptors: [new OpenTelemetryWorkflowClientInterceptor({ tracer })],
    activityInterceptors: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    workflowSinks: {
      exporter: {
        export: {
          // The package copies every field it is given onto each span; the whole WorkflowInfo
          // would carry memo, search attributes and the last failure's message. Only ids go.
          fn: (info: WorkflowInfo, spans: unknown[]) => workflowExporter.export.fn(workflowIds(info), spans as never),
        },
      },
    },
    flush: () => provider.forceFlush(),
  };
  byService.set(key, tracing);
  return tracing;
}

function workflowIds(info: WorkflowInfo): WorkflowInfo {
  const { workflowId, runId, workflowType, taskQueue, namespace, attempt } = info;
  return { workflowId, runId, workflowType, taskQueue, namespace, attempt } as WorkflowInfo;
}

/**
 * Every span, ours or the Temporal interceptors', is scrubbed by the log lines' rules before it
 * is exported: an error's message recorded on a span (an SMTP answer quoting the recipient) is no
 * more allowed to carry an address than a log line is.
 */
class ScrubbingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}
  onStart(...args: Parameters<SpanProcessor['onStart']>): void {
    this.next.onStart(...args);
  }
  onEnd(span: ReadableSpan): void {
    this.next.onEnd(scrubbed(span));
  }
  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

/** The span with its attributes, event attributes and status message scrubbed; the rest as is. */
function scrubbed(span: ReadableSpan): ReadableSpan {
  const attributes = (a: Attributes) => scrubFields(a) as Attributes;
  return Object.create(span, {
    attributes: { value: attributes(span.attributes) },
    events: { value: span.events.map((e) => ({ ...e, ...(e.attributes ? { attributes: attributes(e.attributes) } : {}) })) },
    status: { value: span.status.message ? { ...span.status, message: scrubText(span.status.message) } : span.status },
  }) as ReadableSpan;
}
