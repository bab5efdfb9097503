// A quantizer process killed mid-job must not cost the job or leave debris:
// BullMQ's stalled-job check hands the job to another quantizer, which
// produces the same bytes as an uninterrupted run. SIGTERM instead lets the
// running job finish and exits 0.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { QUANT_JOB_DEFAULTS, QuantizeJobData, QuantizeJobResult, quantJobIds } from '@tessera/contracts';
import { quantizeFile } from '@tessera/quant';
import { hashFile } from '@tessera/store';
import { QuantizerHarness, plan, startQuantizerHarness } from './test-utils/quantizer-harness';
import { QuantizerProcess, spawnQuantizer } from './test-utils/quantizer-process';
import { synthWithCli } from './test-utils/synth-with-cli';
import { TestRedis, startTestRedis, waitFor } from '@tessera/testing';

// 'small' (63 M parameters, 126 MB in F16) takes a few seconds to reach Q4_K_M
// on one thread: long enough to kill it part-way, short enough for CI.
const PRESET = 'Q4_K_M';
const READY = 'processing convert, quantize';

describe('quantizer processes: SIGKILL and SIGTERM mid-job', () => {
  let redis: TestRedis;
  let q: QuantizerHarness;
  let base: string;
  let sourceDigest: string;
  const children: QuantizerProcess[] = [];

  const start = (env: Record<string, string> = {}): QuantizerProcess => {
    const p = spawnQuantizer({
      REDIS_URL: q.config.redisUrl,
      TESSERA_STORE_DIR: q.config.storeDir,
      QUANT_THREADS: '1',
      QUANT_LOCK_MS: '2000',
      QUANT_STALLED_MS: '1000',
      ...env,
    });
    children.push(p);
    return p;
  };

  const submit = (sweepId: string): Promise<Job<QuantizeJobData, QuantizeJobResult>> =>
    q.queues.quantize.add('quantize', { plan: plan({ sweepId, source: 'file:small.gguf', presets: [PRESET], name: sweepId }), preset: PRESET, sourceDigest }, {
      ...QUANT_JOB_DEFAULTS,
      jobId: quantJobIds.quantize(sweepId, PRESET),
    });

  // A timeout shows what the quantizer processes printed.
  const childOutputs = () => children.map((c) => c.output().slice(-1500)).join('\n---\n');
  const poll = <T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
    waitFor(read, { timeoutMs, intervalMs: 100, what, details: childOutputs });
  const progressOf = async (id: string) => ((await q.queues.quantize.getJob(id))?.progress as { percent?: number } | undefined)?.percent ?? 0;
  // The state is read before the job: a job read first and finishing in between
  // would come back 'completed' with the returnvalue of its active self (null).
  const finished = async (id: string) => {
    const state = await q.queues.quantize.getJobState(id);
    return state === 'completed' || state === 'failed' ? (await q.queues.quantize.getJob(id))! : undefined;
  };

  /** A quantizer process, started, with the sweep's job submitted and reporting progress: mid-job. */
  const midJob = async (sweepId: string, env: Record<string, string> = {}) => {
    const id = quantJobIds.quantize(sweepId, PRESET);
    const p = start(env);
    await p.waitFor(READY);
    await submit(sweepId);
    await poll(`progress on ${sweepId}`, async () => ((await progressOf(id)) > 0 ? true : undefined));
    return { id, p };
  };

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
    redis = await startTestRedis();
    q = await startQuantizerHarness(redis, {}, { inProcess: false });
    const f16 = join(base, 'small-f16.gguf');
    await synthWithCli(f16, { preset: 'small', outtype: 'f16', seed: 11 });
    ({ digest: sourceDigest } = await q.store.blobs.ingestFile(f16));
    await q.store.tag({ team: 'acme', name: 'small', tag: 'source', digest: sourceDigest, format: 'gguf', preset: 'F16' });
  }, 120_000);

  // A quantizer left running by a failed test would take the next test's job.
  afterEach(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await Promise.all(children.splice(0).map((c) => c.exited));
  });

  afterAll(async () => {
    await q?.close();
    await redis?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('a second quantizer finishes the job of one killed with SIGKILL, with the bytes of an uninterrupted run', async () => {
    const { id, p: first } = await midJob('crash');
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await (await q.queues.quantize.getJob(id))!.getState()).toBe('active');

    const second = start();
    const job = await poll('the job to finish on the second quantizer', () => finished(id), 90_000);
    expect(job.failedReason).toBeUndefined();
    // Picked up by the stalled-job check, not retried as a failure: one finished attempt, two starts.
    expect(job.stalledCounter).toBe(1);
    expect(job.attemptsMade).toBe(1);
    expect(job.attemptsStarted).toBe(2);

    const reference = join(base, 'reference.gguf');
    await quantizeFile(q.store.blobs.pathOf(sourceDigest), reference, PRESET, { threads: 1 });
    expect(job.returnvalue.digest).toBe((await hashFile(reference)).digest);
    expect((await hashFile(q.store.blobs.pathOf(job.returnvalue.digest))).digest).toBe(job.returnvalue.digest);

    // Nothing half-written: no temp files, no scratch directories, and every blob is named by a manifest.
    expect(await q.store.blobs.temps()).toEqual([]);
    expect(await q.store.workDirs()).toEqual([]);
    const named = new Set((await q.store.manifests.listAll()).map((m) => m.digest));
    expect(await q.store.blobs.list()).toEqual([...named].sort());
    expect(await q.store.manifests.get('acme', 'crash', 'q4_k_m')).toMatchObject({ digest: job.returnvalue.digest, parent: sourceDigest });

    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('SIGTERM lets the running job finish, then the process exits 0', async () => {
    const { id, p } = await midJob('term');
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.output()).toContain('SIGTERM received');
    expect(await q.queues.quantize.getJobState(id)).toBe('completed');
    const job = (await q.queues.quantize.getJob(id))!;
    expect(await q.store.blobs.has(job.returnvalue.digest)).toBe(true);
    expect(await q.store.blobs.temps()).toEqual([]);
    expect(await q.store.workDirs()).toEqual([]);
  }, 120_000);

  it('SIGTERM past the grace period returns the running job to the queue unharmed, and another quantizer finishes it', async () => {
    const { id, p } = await midJob('grace', { QUANT_SHUTDOWN_GRACE_MS: '100' });
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.output()).toContain('returning 1 running job(s) to the queue');
    const returned = (await q.queues.quantize.getJob(id))!;
    expect(await returned.getState()).toBe('waiting');
    expect(returned.attemptsMade).toBe(0);
    expect(await q.store.blobs.temps()).toEqual([]);
    expect(await q.store.workDirs()).toEqual([]);

    start();
    const job = await poll('the returned job to finish', () => finished(id), 90_000);
    expect(job.failedReason).toBeUndefined();
    expect(await q.store.manifests.get('acme', 'grace', 'q4_k_m')).toMatchObject({ digest: job.returnvalue.digest });
  }, 120_000);
});
