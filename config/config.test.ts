import { describe, expect, it } from 'vitest';
import { DEV_PAYLOAD_KEY, loadConfig } from './index.ts';

describe('loadConfig', () => {
  it('uses development defaults', () => {
    const c = loadConfig({}, '/srv/app');
    expect(c.PORT).toBe(3000);
    expect(c.inboxDir).toBe('/srv/app/.nurture/inbox');
    expect(c.WEBHOOK_SECRET).toHaveLength(1);
  });

  it('reads the OpenTelemetry settings: off by default, OTLP over HTTP with JSON only', () => {
    const d = loadConfig({});
    expect([d.OTEL_EXPORTER_OTLP_ENDPOINT, d.OTEL_TRACES_EXPORTER, d.OTEL_SDK_DISABLED]).toEqual([undefined, undefined, false]);
    const c = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc,tenant=t1',
      OTEL_SERVICE_NAME: 'nurture-eu',
    });
    expect([c.OTEL_EXPORTER_OTLP_ENDPOINT, c.OTEL_EXPORTER_OTLP_HEADERS, c.OTEL_SERVICE_NAME]).toEqual([
      'http://collector:4318',
      'x-api-key=abc,tenant=t1',
      'nurture-eu',
    ]);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/,
    );
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: only http\/json/);
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER: must be otlp or none/);
    // The headers carry an API key: the message names the variable, never the value.
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'secret-without-equals' })).toThrow(
      /^(?![\s\S]*secret-without-equals)[\s\S]*OTEL_EXPORTER_OTLP_HEADERS: must be key=value pairs/,
    );
  });

  it('names the variable and the problem', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgresql:\/\/ connection URL/);
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'localhost' })).toThrow(/TEMPORAL_ADDRESS: must be host:port/);
  });

  it('reads the health, metrics and log settings: no worker health server unless asked', () => {
    const d = loadConfig({});
    expect([d.WORKER_HEALTH_PORT, d.TEMPORAL_METRICS_PORT, d.HEALTH_CHECK_TIMEOUT_MS, d.LOG_LEVEL]).toEqual([
      undefined,
      undefined,
      2000,
      'info',
    ]);
    const c = loadConfig({
      WORKER_HEALTH_PORT: '9090',
      TEMPORAL_METRICS_PORT: '9464',
      HEALTH_CHECK_TIMEOUT_MS: '500',
      LOG_LEVEL: 'debug',
    });
    expect([c.WORKER_HEALTH_PORT, c.TEMPORAL_METRICS_PORT, c.HEALTH_CHECK_TIMEOUT_MS, c.LOG_LEVEL]).toEqual([
      9090,
      9464,
      500,
      'debug',
    ]);
    expect(() => loadConfig({ WORKER_HEALTH_PORT: '70000' })).toThrow(/WORKER_HEALTH_PORT: /);
    expect(() => loadConfig({ TEMPORAL_METRICS_PORT: '0' })).toThrow(/TEMPORAL_METRICS_PORT: /);
    expect(() => loadConfig({ HEALTH_CHECK_TIMEOUT_MS: '10' })).toThrow(/HEALTH_CHECK_TIMEOUT_MS: /);
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL: /);
  });

  it('splits rotated secrets', () => {
    const c = loadConfig({ WEBHOOK_SECRET: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb' });
    expect(c.WEBHOOK_SECRET).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
  });

  it('reads PAYLOAD_KEYS as a rotation list, the development key by default', () => {
    expect(loadConfig({}).PAYLOAD_KEYS).toEqual([{ id: 'dev', key: Buffer.from(DEV_PAYLOAD_KEY.split(':')[1]!, 'base64') }]);
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    const c = loadConfig({ PAYLOAD_KEYS: `2026-01:${k1.toString('base64')}, 2025-07:${k2.toString('base64')}` });
    expect(c.PAYLOAD_KEYS).toEqual([
      { id: '2026-01', key: k1 },
      { id: '2025-07', key: k2 },
    ]);
  });

  it('names PAYLOAD_KEYS and the problem, never the key', () => {
    const good = Buffer.alloc(32, 7).toString('base64');
    const short = Buffer.alloc(16, 7).toString('base64');
    expect(() => loadConfig({ PAYLOAD_KEYS: `k1:not*base64` })).toThrow('PAYLOAD_KEYS: entry 1 ("k1"): key is not valid base64');
    expect(() => loadConfig({ PAYLOAD_KEYS: `k1:${good},k2:${short}` })).toThrow(
      'PAYLOAD_KEYS: entry 2 ("k2"): key must be 32 bytes (AES-256), got 16',
    );
    expect(() => loadConfig({ PAYLOAD_KEYS: `k1:${good},k1:${good}` })).toThrow('PAYLOAD_KEYS: entry 2: duplicate key id "k1"');
    expect(() => loadConfig({ PAYLOAD_KEYS: good })).toThrow('PAYLOAD_KEYS: entry 1: must be <keyId>:<base64 key>');
    expect(() => loadConfig({ PAYLOAD_KEYS: `:${good}` })).toThrow(/PAYLOAD_KEYS: entry 1: key id must be/);
    expect(() => loadConfig({ PAYLOAD_KEYS: ' , ' })).toThrow('PAYLOAD_KEYS: must list at least one');
    const message = (() => {
      try {
        loadConfig({ PAYLOAD_KEYS: `k1:${short}` });
        return 'accepted';
      } catch (err) {
        return String(err);
      }
    })();
    expect(message).toContain('PAYLOAD_KEYS: entry 1 ("k1")');
    expect(message).not.toContain(short);
  });

  it('reads CODEC_CORS_ORIGINS as origins, the dev Temporal UI by default', () => {
    expect(loadConfig({}).CODEC_CORS_ORIGINS).toEqual(['http://localhost:8233', 'http://127.0.0.1:8233']);
    expect(loadConfig({ CODEC_CORS_ORIGINS: 'https://temporal.example.com' }).CODEC_CORS_ORIGINS).toEqual([
      'https://temporal.example.com',
    ]);
    expect(() => loadConfig({ CODEC_CORS_ORIGINS: 'https://temporal.example.com/ui' })).toThrow(
      'CODEC_CORS_ORIGINS.0: each entry must be an origin such as https://temporal.example.com',
    );
  });
});
