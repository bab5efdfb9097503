// Boot, drain and death of real worker processes, watched through Redis and gRPC.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { modelWorkersKey, parseWorkerRecord, workerKey } from '@tessera/contracts';
import { synthGguf } from '@tessera/convert';
import { finishedOf, InferenceTestClient, tokenIds } from './test-utils/inference-client';
import { freePort, waitFor } from '@tessera/testing';
import { startRedis, type TestRedis } from './test-utils/redis-server';
import { spawnWorker, startWorker, type WorkerProcess } from './test-utils/worker-process';

const dir = mkdtempSync(join(tmpdir(), 'worker-life-'));
const tinyPath = join(dir, 'tiny.gguf');
const microPath = join(dir, 'micro.gguf');
let redis: TestRedis;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  await Promise.all([synthGguf(tinyPath, { preset: 'tiny', seed: 1 }), synthGguf(microPath, { preset: 'micro', seed: 2 })]);
  redis = await startRedis();
});

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function launch(env: Record<string, string>) {
  const started = await startWorker({ REDIS_URL: redis.url, ...env });
  workers.push(started.worker);
  return started;
}

describe('SIGTERM', () => {
  it('refuses new work, finishes the in-flight request, deregisters and exits 0', async () => {
    const { worker, ready } = await launch({ TESSERA_MODEL: tinyPath, WORKER_ID: 'w-drain', WORKER_HEARTBEAT_MS: '200', WORKER_TTL_MS: '5000', DRAIN_TIMEOUT_MS: '20000' });
    const client = new InferenceTestClient(ready.address);
    const maxTokens = 300;
    const { events, ended } = await client.streamUntilFirstToken({ text: 'drain me', addSpecial: true, params: { temperature: 0, maxTokens, ignoreEos: true } });

    worker.kill('SIGTERM');
    // The registry says "draining, not ready" at once, so routers stop picking this replica.
    const draining = await waitFor(async () => {
      const raw = await redis.client.get(workerKey('w-drain'));
      const record = raw ? parseWorkerRecord(raw) : undefined;
      return record?.draining ? record : undefined;
    }, { what: 'w-drain to publish draining' });
    expect(draining.ready).toBe(false);
    // New work is turned away with UNAVAILABLE: the gateway retries on another replica.
    await expect(client.generate({ text: 'too late', params: { temperature: 0, maxTokens: 2 } })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(tokenIds(events).length).toBeLessThan(maxTokens);

    await ended;
    expect(tokenIds(events)).toHaveLength(maxTokens);
    expect(finishedOf(events)?.finishReason).toBe('length');
    expect(await worker.exited).toBe(0);
    expect(await redis.client.exists(workerKey('w-drain'))).toBe(0);
    expect(await redis.client.zscore(modelWorkersKey('tiny'), 'w-drain')).toBeNull();
    client.close();
  });

  it('aborts what is still running when the drain timeout passes, and still exits 0', async () => {
    const { worker, ready } = await launch({ TESSERA_MODEL: tinyPath, WORKER_ID: 'w-timeout', DRAIN_TIMEOUT_MS: '100' });
    const client = new InferenceTestClient(ready.address);
    const { events, ended } = await client.streamUntilFirstToken({ text: 'long one', params: { temperature: 0, maxTokens: 1000, ignoreEos: true } });
    worker.kill('SIGTERM');
    await ended;
    expect(finishedOf(events)?.finishReason).toBe('abort');
    expect(tokenIds(events).length).toBeLessThan(1000);
    expect(await worker.exited).toBe(0);
    client.close();
  });
});

describe('a killed worker', () => {
  it('leaves the registry within the TTL', async () => {
    const ttlMs = 1000;
    const { worker } = await launch({ TESSERA_MODEL: microPath, WORKER_ID: 'w-kill', WORKER_HEARTBEAT_MS: '200', WORKER_TTL_MS: String(ttlMs) });
    expect(await redis.client.exists(workerKey('w-kill'))).toBe(1);
    worker.kill('SIGKILL');
    await worker.exited;
    const killedAt = Date.now();
    await waitFor(async () => ((await redis.client.exists(workerKey('w-kill'))) === 0 ? true : undefined), { timeoutMs: ttlMs + 1000, what: 'w-kill to leave the registry' });
    expect(Date.now() - killedAt).toBeLessThanOrEqual(ttlMs + 100);
    // Readers of the index skip it too: its score (expiry) is in the past.
    expect(await redis.client.zrangebyscore(modelWorkersKey('micro'), Date.now(), '+inf')).not.toContain('w-kill');
  });
});

describe('boot', () => {
  it('stops with every configuration problem listed (exit 2)', async () => {
    const w = spawnWorker({ TESSERA_MODEL: join(dir, 'absent.gguf'), TESSERA_TENSOR_PARALLEL: '0' });
    expect(await w.exited).toBe(2);
    expect(w.output()).toContain('no file at');
    expect(w.output()).toContain('TESSERA_TENSOR_PARALLEL must be an integer in [1, 64], got "0"');
  });

  it('stops when Redis cannot be reached, saying so (exit 1)', async () => {
    const w = spawnWorker({ TESSERA_MODEL: microPath, REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(await w.exited).toBe(1);
    expect(w.output()).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
  });

  it('reports "loading" on /readyz until the model is warmed up', async () => {
    const metricsPort = await freePort();
    const w = spawnWorker({ TESSERA_MODEL: microPath, METRICS_PORT: String(metricsPort) });
    workers.push(w);
    const answers = new Set<string>();
    await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined);
      if (res) answers.add(`${res.status} ${await res.text()}`.trim());
      return res?.status === 200 ? true : undefined;
    }, { what: '/readyz to answer 200' });
    // The first answer may already be the ready one on a fast machine; any 503 must say why.
    for (const a of answers) expect(a).toMatch(/^200 \{"status":"ok"\}$|^503 \{"status":"fail","reason":"loading the model"\}$/);
    w.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  });
});
