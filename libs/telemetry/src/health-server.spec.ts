import { Counter, Registry } from 'prom-client';
import { startHealthServer, type HealthCheck, type HealthServer } from './health-server';

describe('startHealthServer', () => {
  let server: HealthServer;
  let ready: HealthCheck = { ok: false, reason: 'model loading' };
  const registry = new Registry();
  new Counter({ name: 'tessera_test_total', help: 'test counter', registers: [registry] }).inc(4);

  beforeAll(async () => {
    server = await startHealthServer({ port: 0, host: '127.0.0.1', registry, ready: () => ready });
  });
  afterAll(() => server.close());

  const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`);

  it('serves the registry at /metrics in the Prometheus text format', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('tessera_test_total 4');
  });

  it('answers /healthz with 200 and /readyz with 503 and the reason until ready', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'fail', reason: 'model loading' });
    ready = { ok: true };
    expect((await get('/readyz')).status).toBe(200);
  });

  it('answers 404 for unknown paths, naming the routes', async () => {
    const res = await get('/nope');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('/metrics');
  });
});
