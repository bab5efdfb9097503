import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createGatewayApp } from '../app.factory';
import { GatewayConfig, loadGatewayConfig } from '../config/gateway.config';
import { startTestRedis, TestRedis } from '@tessera/testing';

export const TEST_ADMIN_KEY = 'tsk-test-admin-key-0123456789abcdef';

export interface GatewayHarness {
  app: NestFastifyApplication;
  redis: TestRedis;
  baseUrl: string;
  config: GatewayConfig;
  /** JSON request with a bearer key; returns status, headers and parsed body. */
  request(method: string, path: string, options?: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<HarnessResponse>;
  close(): Promise<void>;
}

export interface HarnessResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** A gateway on a loopback port with its own Redis; env overrides become config. */
export async function startGateway(env: Record<string, string> = {}, redis?: TestRedis): Promise<GatewayHarness> {
  const ownRedis = redis ?? (await startTestRedis());
  const config = loadGatewayConfig({ PORT: '0', HOST: '127.0.0.1', REDIS_URL: ownRedis.url, TESSERA_ADMIN_KEY: TEST_ADMIN_KEY, REGISTRY_CACHE_MS: '0', ...env });
  let app: NestFastifyApplication;
  try {
    app = await createGatewayApp(config, { logger: false });
    await app.listen(0, '127.0.0.1');
  } catch (err) {
    if (!redis) await ownRedis.stop();
    throw err;
  }
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    redis: ownRedis,
    baseUrl,
    config,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key) headers.authorization = `Bearer ${options.key}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const res = await fetch(baseUrl + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      await app.close();
      if (!redis) await ownRedis.stop();
    },
  };
}
