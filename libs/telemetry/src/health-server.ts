import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthCheck {
  ok: boolean;
  /** Why it is not ok, for the operator reading the probe output. */
  reason?: string;
}

export type HealthProbe = () => HealthCheck | Promise<HealthCheck>;

export interface HealthServerOptions {
  /** 0 picks a free port; read it back from `HealthServer.port`. */
  port: number;
  host?: string;
  /** Served at /metrics; none = 404. */
  registry?: Registry;
  /** /healthz: the process is alive (default: always ok). */
  live?: HealthProbe;
  /** /readyz: the process can take work (default: always ok). */
  ready?: HealthProbe;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

const ALWAYS_OK: HealthProbe = () => ({ ok: true });

/** A small HTTP server with /metrics, /healthz and /readyz, for any Tessera process. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const routes: Record<string, (res: ServerResponse) => Promise<void>> = {
    '/healthz': (res) => sendProbe(res, options.live ?? ALWAYS_OK),
    '/readyz': (res) => sendProbe(res, options.ready ?? ALWAYS_OK),
  };
  const registry = options.registry;
  if (registry) routes['/metrics'] = (res) => sendMetrics(res, registry);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[path];
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'only GET is served here\n');
    if (!route) return sendText(res, 404, `no route ${path}; try ${Object.keys(routes).join(', ')}\n`);
    route(res).catch((err: Error) => sendText(res, 500, `${err.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections (a Prometheus scraper) must not hold shutdown up.
        server.closeIdleConnections();
      }),
  };
}

async function sendProbe(res: ServerResponse, probe: HealthProbe): Promise<void> {
  const check = await probe();
  const body = JSON.stringify({ status: check.ok ? 'ok' : 'fail', ...(check.reason ? { reason: check.reason } : {}) });
  res.writeHead(check.ok ? 200 : 503, { 'content-type': 'application/json' }).end(body + '\n');
}

async function sendMetrics(res: ServerResponse, registry: Registry): Promise<void> {
  const text = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType }).end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}
