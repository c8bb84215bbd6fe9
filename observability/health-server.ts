// The worker's health and metrics endpoint. Plain node:http rather than a second fastify
// instance: three GET routes with no bodies, plugins or request logging, and nothing of the
// API's configuration (rate limits, redaction, trust proxy) applies to it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './health.ts';

export interface HealthServerOptions {
  host: string;
  port: number;
  readiness(): Promise<Readiness>;
  /** The Prometheus text exposition the /metrics route answers. */
  metrics(): Promise<string>;
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const json = (status: number, body: unknown) => send(status, 'application/json; charset=utf-8', JSON.stringify(body));
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'method_not_allowed' });
    const route =
      path === '/healthz'
        ? Promise.resolve(json(200, { ok: true }))
        : path === '/readyz'
          ? opts.readiness().then((r) => json(r.ready ? 200 : 503, r))
          : path === '/metrics'
            ? opts.metrics().then((text) => send(200, PROMETHEUS_CONTENT_TYPE, text))
            : Promise.resolve(json(404, { error: 'not_found', message: `no route ${req.method} ${path}` }));
    route.catch(() => json(500, { error: 'internal' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
