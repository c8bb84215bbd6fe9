import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from './health-server.ts';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startHealthServer', () => {
  it('answers /healthz, /readyz (503 when not ready), /metrics and 404', async () => {
    let ready = true;
    server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      readiness: async () => ({ ready, checks: { worker: ready ? 'ok' : 'worker is STOPPING' } }),
      metrics: async () => 'nurture_x 1\n',
    });
    const get = async (p: string) => {
      const res = await fetch(`${server!.url}${p}`);
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    };
    expect(await get('/healthz')).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(await get('/readyz')).toMatchObject({ status: 200, body: '{"ready":true,"checks":{"worker":"ok"}}' });
    ready = false;
    expect(await get('/readyz')).toMatchObject({ status: 503, body: '{"ready":false,"checks":{"worker":"worker is STOPPING"}}' });
    expect(await get('/metrics')).toMatchObject({
      status: 200,
      type: expect.stringMatching(/^text\/plain/),
      body: 'nurture_x 1\n',
    });
    expect((await get('/nope')).status).toBe(404);
  });
});
