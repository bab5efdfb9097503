// Runs the quantizer in this process (a Nest application context) against a
// test Redis and a temp store, with a BullMQ producer to submit sweeps the way
// the gateway does, and helpers to wait for their outcome.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Job, Queue, QueueEvents } from 'bullmq';
import { ConvertJobData, QUANT_JOB_DEFAULTS, QuantQueue, SweepPlan, quantJobIds } from '@tessera/contracts';
import { ModelStore } from '@tessera/store';
import { TestRedis, waitFor } from '@tessera/testing';
import { QuantizerConfig, loadQuantizerConfig } from '../config/quantizer-config';
import { redisOptions } from '../config/redis-options';
import { QuantizerModule } from '../quantizer.module';

export interface QuantizerHarness {
  readonly config: QuantizerConfig;
  readonly store: ModelStore;
  readonly queues: Record<QuantQueue, Queue>;
  readonly app?: INestApplicationContext;
  submit(plan: SweepPlan): Promise<Job>;
  /** The report job once it finished (completed or failed). */
  waitForReport(sweepId: string, timeoutMs?: number): Promise<Job>;
  events(queue: QuantQueue): QueueEvents;
  close(): Promise<void>;
}

/**
 * Quantizer settings for tests: two threads, a small evaluation, and short
 * locks so a killed quantizer's job is found stalled quickly. `env` overrides
 * any of them. Shared with the gateway's specs, which run the quantizer too.
 */
export function testConfig(redis: Pick<TestRedis, 'url'>, storeDir: string, env: Record<string, string> = {}): QuantizerConfig {
  return loadQuantizerConfig({
    REDIS_URL: redis.url,
    TESSERA_STORE_DIR: storeDir,
    QUANT_THREADS: '2',
    QUANT_EVAL_CTX: '64',
    QUANT_EVAL_CHUNKS: '3',
    QUANT_EVAL_GEN_TOKENS: '4',
    QUANT_LOCK_MS: '2000',
    QUANT_STALLED_MS: '1000',
    ...env,
  });
}

/** The quantizer's own Nest module, started in this process (no logs). */
export async function startQuantizerApp(config: QuantizerConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(QuantizerModule.forRoot(config), { logger: false });
  await app.init();
  return app;
}

export async function startQuantizerHarness(redis: TestRedis, env: Record<string, string> = {}, opts: { inProcess?: boolean } = {}): Promise<QuantizerHarness> {
  const storeDir = env.TESSERA_STORE_DIR ?? mkdtempSync(join(tmpdir(), 'tessera-qstore-'));
  const config = testConfig(redis, storeDir, env);
  const app = opts.inProcess === false ? undefined : await startQuantizerApp(config);
  const connection = () => redisOptions(config.redisUrl);
  const queues = Object.fromEntries(Object.values(QuantQueue).map((q) => [q, new Queue(q, { connection: connection(), prefix: config.queuePrefix })])) as Record<QuantQueue, Queue>;
  const events: QueueEvents[] = [];
  return {
    config,
    store: new ModelStore(storeDir),
    queues,
    app,
    submit: (plan) => queues.convert.add('convert', { plan } satisfies ConvertJobData, { ...QUANT_JOB_DEFAULTS, jobId: quantJobIds.convert(plan.sweepId) }),
    async waitForReport(sweepId, timeoutMs = 120_000) {
      let convertState: string | undefined;
      let reportState: string | undefined;
      return waitFor(
        async () => {
          const convert = await queues.convert.getJob(quantJobIds.convert(sweepId));
          convertState = await convert?.getState();
          if (convert && convertState === 'failed') return (await queues.convert.getJob(convert.id!))!;
          const report = await queues.report.getJob(quantJobIds.report(sweepId));
          reportState = await report?.getState();
          if (report && (reportState === 'completed' || reportState === 'failed')) return (await queues.report.getJob(report.id!))!;
          return undefined;
        },
        { timeoutMs, intervalMs: 100, what: `sweep ${sweepId} to finish`, details: () => `convert: ${convertState}, report: ${reportState}` },
      );
    },
    events(queue) {
      const e = new QueueEvents(queue, { connection: connection(), prefix: config.queuePrefix });
      events.push(e);
      return e;
    },
    async close() {
      await app?.close();
      await Promise.all(events.map((e) => e.close()));
      await Promise.all(Object.values(queues).map((q) => q.close()));
      if (!env.TESSERA_STORE_DIR) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export function plan(overrides: Partial<SweepPlan> & Pick<SweepPlan, 'sweepId' | 'source' | 'presets'>): SweepPlan {
  return { team: 'acme', name: 'model', evaluate: true, ...overrides };
}
