// Bad input fails a job at once (UnrecoverableError: one attempt, no retry)
// with a failure code and a message a user can act on; cancelling a sweep
// stops the native quantization promptly and leaves nothing behind.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { QUANT_CANCEL_CHANNEL, QUANT_JOB_DEFAULTS, quantCancelKey, quantJobIds } from '@tessera/contracts';
import { synthGguf, synthHfModel } from '@tessera/convert';
import { redisOptions } from './config/redis-options';
import { QuantizerHarness, plan, startQuantizerHarness } from './test-utils/quantizer-harness';
import { synthWithCli } from './test-utils/synth-with-cli';
import { TestRedis, startTestRedis, waitFor } from '@tessera/testing';

/**
 * The job once it completed or failed. Its state is read first and the job
 * after: a job read before its state can be its stale, still-active self.
 */
async function settled(queue: Queue, id: string, timeoutMs = 60_000): Promise<Job> {
  let state: string | undefined;
  return waitFor(
    async () => {
      state = await queue.getJobState(id);
      return state === 'completed' || state === 'failed' ? (await queue.getJob(id))! : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `job ${id} to complete or fail`, details: () => `still ${state}` },
  );
}

describe('quantizer: documented errors and cancellation', () => {
  let redis: TestRedis;
  let q: QuantizerHarness;
  let base: string;
  let importDir: string;
  let microDigest: string;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'tessera-qerr-'));
    importDir = join(base, 'import');
    mkdirSync(importDir);
    // A GGUF cut off inside its tensor data, and a checkpoint whose weights shard is cut short.
    await synthGguf(join(importDir, 'truncated.gguf'), { preset: 'micro', outtype: 'f16', seed: 2 });
    truncateSync(join(importDir, 'truncated.gguf'), statSync(join(importDir, 'truncated.gguf')).size - 1000);
    await synthHfModel(join(importDir, 'truncated-hf'), { preset: 'micro', seed: 2, dtype: 'f16' });
    const shard = readdirSync(join(importDir, 'truncated-hf')).find((f) => f.endsWith('.safetensors'))!;
    truncateSync(join(importDir, 'truncated-hf', shard), statSync(join(importDir, 'truncated-hf', shard)).size - 1000);
    redis = await startTestRedis();
    q = await startQuantizerHarness(redis, { TESSERA_IMPORT_DIR: importDir, QUANT_THREADS: '1' });
    await synthGguf(join(base, 'micro.gguf'), { preset: 'micro', outtype: 'f16', seed: 3 });
    ({ digest: microDigest } = await q.store.blobs.ingestFile(join(base, 'micro.gguf')));
  }, 120_000);
  afterAll(async () => {
    await q?.close();
    await redis?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  const quantize = (sweepId: string, preset: string, sourceDigest: string) =>
    q.queues.quantize.add('quantize', { plan: plan({ sweepId, source: 'file:x', presets: [preset], name: sweepId }), preset, sourceDigest }, {
      ...QUANT_JOB_DEFAULTS,
      jobId: quantJobIds.quantize(sweepId, preset),
    });

  it('an unknown preset fails the quantize job once with invalid_preset, naming the valid ones', async () => {
    const job = await settled(q.queues.quantize, (await quantize('bad-preset', 'Q9_9', microDigest)).id!);
    expect(await job.getState()).toBe('failed');
    expect(job.failedReason).toMatch(/^invalid_preset: .*Q9_9.*Q4_K_M/);
    expect(job.attemptsMade).toBe(1);
  });

  it.each([
    ['a truncated GGUF', 'file:truncated.gguf', /^source_corrupt: .*truncated/],
    ['a checkpoint with a truncated safetensors shard', 'file:truncated-hf', /^source_corrupt: .*truncated \(re-download it\)/],
    ['a path leaving the import directory', 'file:../micro.gguf', /^source_outside_import_dir: .*without '\.\.'/],
    ['a file that is not there', 'file:missing.gguf', /^source_not_found: .*copy the model there first/],
  ])('%s fails the sweep at once with its failure code', async (_what, source, reason) => {
    const sweepId = `bad-source-${source.replace(/[^a-z]/g, '')}`;
    await q.submit(plan({ sweepId, source, presets: ['Q8_0'], name: 'corrupt' }));
    const job = await settled(q.queues.convert, quantJobIds.convert(sweepId));
    expect(await job.getState()).toBe('failed');
    expect(job.failedReason).toMatch(reason);
    expect(job.attemptsMade).toBe(1);
    expect(await q.store.manifests.listAll()).toEqual([]);
    expect(await q.store.workDirs()).toEqual([]);
  });

  it('cancelling a sweep stops its running quantization within a second and leaves no files', async () => {
    // 'small' takes several seconds to reach Q4_K_M on one thread.
    await synthWithCli(join(base, 'small.gguf'), { preset: 'small', outtype: 'f16', seed: 4 });
    const { digest } = await q.store.blobs.ingestFile(join(base, 'small.gguf'));
    const blobsBefore = await q.store.blobs.list();
    const id = (await quantize('cancel-me', 'Q4_K_M', digest)).id!;
    await waitFor(
      async () => {
        const p = (await q.queues.quantize.getJob(id))?.progress as { percent?: number } | undefined;
        return (p?.percent ?? 0) > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: `progress on ${id}` },
    );
    // What the gateway does on DELETE /v1/quantizations/{id}.
    const gateway = new Redis(redisOptions(redis.url));
    const cancelledAt = Date.now();
    await gateway.set(quantCancelKey('cancel-me'), '1');
    await gateway.publish(QUANT_CANCEL_CHANNEL, 'cancel-me');
    await gateway.quit();
    const job = await settled(q.queues.quantize, id);
    expect(Date.now() - cancelledAt).toBeLessThan(1000);
    expect(job.failedReason).toMatch(/^cancelled: /);
    expect(job.attemptsMade).toBe(1);
    expect((job.progress as { percent: number }).percent).toBeLessThan(95);
    expect(await q.store.blobs.list()).toEqual(blobsBefore);
    expect(await q.store.workDirs()).toEqual([]);
    expect(await q.store.blobs.temps()).toEqual([]);
  }, 120_000);
});
