// The workflow side of tracing (observability/tracing.ts), bundled with every workflow (a
// prebuilt bundle cannot be told at start-up whether the worker traces): Temporal's OpenTelemetry
// workflow interceptors, active only in a run whose start carried a trace context, that is one a
// tracing API started or a traced run continued. In any other run every call goes straight to
// `next`, with no span and no extra yield, so histories recorded without tracing replay unchanged.
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type { WorkflowInterceptors } from '@temporalio/workflow';

export const interceptors = (): WorkflowInterceptors => {
  // Made when the run turns out to be traced: constructing them sets up OpenTelemetry in the sandbox.
  let otel:
    | {
        inbound: OpenTelemetryInboundInterceptor;
        outbound: OpenTelemetryOutboundInterceptor;
        internals: OpenTelemetryInternalsInterceptor;
      }
    | undefined;
  return {
    inbound: [
      {
        execute(input, next) {
          if (!(TRACE_HEADER in input.headers)) return next(input);
          otel = {
            inbound: new OpenTelemetryInboundInterceptor(),
            outbound: new OpenTelemetryOutboundInterceptor(),
            internals: new OpenTelemetryInternalsInterceptor(),
          };
          return otel.inbound.execute(input, next);
        },
        handleSignal: (input, next) => (otel ? otel.inbound.handleSignal(input, next) : next(input)),
      },
    ],
    outbound: [
      {
        // Puts the context in the activity's headers, for its RunActivity span.
        scheduleActivity: (input, next) => (otel ? otel.outbound.scheduleActivity(input, next) : next(input)),
        // The next run inherits the context, and so is traced too.
        continueAsNew: (input, next) => (otel ? otel.outbound.continueAsNew(input, next) : next(input)),
        getLogAttributes: (input, next) => (otel ? otel.outbound.getLogAttributes(input, next) : next(input)),
      },
    ],
    internals: [
      {
        dispose(input, next) {
          // Synchronous in fact (it disables the sandbox's context manager); declared async.
          if (otel) void otel.internals.dispose(input, next);
          else next(input);
        },
      },
    ],
  };
};
