import { type ProxyTracerProvider, trace } from '@opentelemetry/api';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../test/support/otlp-receiver.ts';
import { flushTracing, smtpResponseClass, smtpSendSpan, startTracing, traceRequests, tracingSettings } from './tracing.ts';

const off = { OTEL_SDK_DISABLED: false };

describe('tracing settings', () => {
  it('is off unless an endpoint or the otlp exporter is asked for, and then no SDK is installed', async () => {
    expect(tracingSettings(off, 'nurture-api')).toBeUndefined();
    expect(await startTracing(tracingSettings(off, 'nurture-api'))).toBeUndefined();
    // Nothing registered a provider: the global one is still the API's no-op.
    const provider = trace.getTracerProvider() as ProxyTracerProvider;
    expect(provider.getDelegate().constructor.name).toBe('NoopTracerProvider');
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
  });

  it('takes the traces endpoint as given and the base endpoint with /v1/traces', () => {
    expect(tracingSettings({ ...off, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'nurture-api')).toEqual({
      serviceName: 'nurture-api',
      url: 'http://collector:4318/v1/traces',
      headers: {},
    });
    expect(tracingSettings({ ...off, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com/otlp' }, 'w')?.url).toBe(
      'https://otlp.example.com/otlp/v1/traces',
    );
    expect(
      tracingSettings(
        {
          ...off,
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom',
          OTEL_SERVICE_NAME: 'nurture-eu',
          OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D, tenant = t1',
        },
        'nurture-worker',
      ),
    ).toEqual({
      serviceName: 'nurture-eu',
      url: 'http://collector:4318/custom',
      headers: { 'x-api-key': 'abc==', tenant: 't1' },
    });
    expect(tracingSettings({ ...off, OTEL_TRACES_EXPORTER: 'otlp' }, 'w')?.url).toBe('http://localhost:4318/v1/traces');
  });

  it('OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED win over an endpoint', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingSettings({ ...off, ...endpoint, OTEL_TRACES_EXPORTER: 'none' }, 'w')).toBeUndefined();
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: true }, 'w')).toBeUndefined();
  });
});

describe('smtp send span', () => {
  it('classes SMTP replies by their first digit', () => {
    expect(['250 2.0.0 OK', 421, '550 5.1.1 <ada@example.com> unknown', undefined, 'oops'].map(smtpResponseClass)).toEqual([
      '2xx',
      '4xx',
      '5xx',
      'none',
      'none',
    ]);
  });

  it('without a tracer it is the call itself', async () => {
    await expect(
      smtpSendSpan(undefined, { campaign: 'c', template: 't' }, async () => ({ response: '250' }), String),
    ).resolves.toEqual({
      response: '250',
    });
  });
});

describe('exported spans', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());

  it('go to the endpoint as OTLP JSON, under the service name, scrubbed of addresses by the log rules', async () => {
    const tracing = await startTracing(tracingSettings({ ...off, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, 'nurture-worker'));
    expect(tracing).toBeDefined();
    // The same settings: the same provider.
    expect(await startTracing(tracingSettings({ ...off, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, 'nurture-worker'))).toBe(
      tracing,
    );
    const refused = Object.assign(new Error('550 5.1.1 <ada@example.com>: mailbox unavailable'), { responseCode: 550 });
    await expect(
      smtpSendSpan(
        tracing!.tracer,
        { campaign: 'c1', template: 'welcome' },
        () => Promise.reject(refused),
        () => 'bounce',
      ),
    ).rejects.toBe(refused);
    const span = tracing!.tracer.startSpan('careless');
    span.setAttributes({ email: 'ada@example.com', note: 'sent to ada@example.com', count: 3 });
    span.recordException(refused);
    span.setStatus({ code: 2, message: refused.message });
    span.end();
    await flushTracing();

    const smtp = receiver.spans.find((s) => s.name === 'smtp send');
    expect(smtp).toMatchObject({
      service: 'nurture-worker',
      attributes: {
        'nurture.campaign': 'c1',
        'nurture.template': 'welcome',
        'smtp.response_class': '5xx',
        'nurture.smtp_error_class': 'bounce',
      },
      status: { code: 2, message: 'bounce' },
    });
    const careless = receiver.spans.find((s) => s.name === 'careless');
    expect(careless?.attributes).toEqual({ email: '[redacted]', note: 'sent to [email]', count: 3 });
    expect(careless?.status.message).toBe('550 5.1.1 <[email]>: mailbox unavailable');
    expect(careless?.events[0]?.attributes['exception.message']).toBe('550 5.1.1 <[email]>: mailbox unavailable');
    expect(receiver.bodies.join('\n')).not.toContain('ada@example.com');
  });
});

describe('request spans', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());

  it('one per request, named by the route template, continuing a traceparent, the handler inside it', async () => {
    const tracing = await startTracing(tracingSettings({ ...off, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, 'nurture-api'));
    const app = Fastify();
    traceRequests(app, tracing!.tracer);
    let inHandler: string | undefined;
    app.post('/u/:token', async () => {
      await new Promise((r) => setTimeout(r, 5));
      inHandler = trace.getActiveSpan()?.spanContext().spanId;
      return { ok: true };
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await app.inject({
      method: 'POST',
      url: '/u/sealed-token?x=1',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      payload: { email: 'ada@example.com' },
    });
    expect(res.statusCode).toBe(200);
    await app.close();
    await flushTracing();

    const span = receiver.spans.find((s) => s.name === 'POST /u/:token');
    expect(span).toMatchObject({
      traceId,
      parentSpanId: '00f067aa0ba902b7',
      service: 'nurture-api',
      attributes: { 'http.request.method': 'POST', 'http.route': '/u/:token', 'http.response.status_code': 200 },
    });
    expect(inHandler).toBe(span?.spanId);
    expect(receiver.bodies.join('\n')).not.toMatch(/sealed-token|ada@example\.com/);
  });
});
