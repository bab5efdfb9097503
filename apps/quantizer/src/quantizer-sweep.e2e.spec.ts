import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuantQueue, SweepReport } from '@tessera/contracts';
import { convertHfToGguf, synthHfModel } from '@tessera/convert';
import { quantizeFile } from '@tessera/quant';
import { QuantizerHarness, plan, startQuantizerHarness } from './test-utils/quantizer-harness';
import { TestRedis, startTestRedis } from '@tessera/testing';

const sha256 = (p: string) => `sha256:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;

describe('quantizer: a sweep of a Hugging Face checkpoint', () => {
  let redis: TestRedis;
  let q: QuantizerHarness;
  let base: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'tessera-sweep-'));
    await synthHfModel(join(base, 'import', 'micro-hf'), { preset: 'micro', seed: 5, dtype: 'f16' });
    redis = await startTestRedis();
    q = await startQuantizerHarness(redis, { TESSERA_IMPORT_DIR: join(base, 'import') });
  });
  afterAll(async () => {
    await q?.close();
    await redis?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('converts, quantizes four presets, evaluates them and reports them by KL divergence', async () => {
    const presets = ['Q4_0', 'Q4_K_M', 'Q5_K_M', 'Q8_0'];
    const progress: Array<{ jobId: string; data: any }> = [];
    const events = q.events(QuantQueue.Quantize);
    events.on('progress', ({ jobId, data }) => progress.push({ jobId, data }));
    await events.waitUntilReady();
    await q.submit(plan({ sweepId: 'sweep1', source: 'file:micro-hf', presets, name: 'micro' }));
    const job = await q.waitForReport('sweep1');
    expect(job.failedReason).toBeUndefined();
    const report = job.returnvalue as SweepReport;
    expect(report.failures).toEqual([]);
    expect(report.rows.map((r) => r.preset).sort()).toEqual([...presets].sort());
    expect(report.rows[0].preset).toBe('Q8_0');
    const kld = Object.fromEntries(report.rows.map((r) => [r.preset, r.quality!.meanKld]));
    expect(kld.Q8_0).toBeLessThan(kld.Q5_K_M);
    expect(kld.Q5_K_M).toBeLessThan(kld.Q4_0);
    for (const r of report.rows) {
      expect(r.quality!.tokens).toBe(3 * 31);
      expect(r.quality!.sameTop).toBeGreaterThan(0.5);
      expect(r.generationTokensPerSecond).toBeGreaterThan(0);
    }

    // The artifacts are exactly what the converter and the CLI's quantizer write.
    const f16 = join(base, 'ref-f16.gguf');
    await convertHfToGguf(join(base, 'import', 'micro-hf'), f16, { outtype: 'f16', name: 'micro' });
    expect(report.sourceDigest).toBe(sha256(f16));
    for (const r of report.rows) {
      const out = join(base, `ref-${r.preset}.gguf`);
      await quantizeFile(f16, out, r.preset, { threads: 1 });
      expect(r.digest).toBe(sha256(out));
      expect((await q.store.manifests.get('acme', 'micro', r.tag)).metrics).toMatchObject({ meanKld: r.quality!.meanKld });
    }

    // Progress arrived for every quantize job, with tensor names and bytes.
    const jobs = new Set(progress.map((p) => p.jobId));
    expect(jobs.size).toBe(4);
    expect(progress.some((p) => typeof p.data.tensor === 'string' && p.data.bytesDone > 0)).toBe(true);
    expect(progress.some((p) => p.data.percent === 100)).toBe(true);

    // The report's files are in the store; no scratch or temp files remain.
    expect(JSON.parse((await q.store.readReport('acme', 'sweep1', 'json'))!).rows[0].preset).toBe('Q8_0');
    expect((await q.store.readReport('acme', 'sweep1', 'svg'))!.match(/<circle /g)).toHaveLength(4);
    expect(await q.store.workDirs()).toEqual([]);
    expect(await q.store.blobs.temps()).toEqual([]);
  });
});
