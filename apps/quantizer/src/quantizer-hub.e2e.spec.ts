// A sweep whose source is on a Hugging Face-compatible hub: the checkpoint is
// fetched at a pinned revision through a local hub server (which drops one
// connection mid-file), verified, converted and stored; a checksum mismatch
// fails the sweep at once, leaving nothing in the store.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SweepReport, quantJobIds } from '@tessera/contracts';
import { convertHfToGguf, synthGguf, synthHfModel } from '@tessera/convert';
import { HubServer, startHubServer } from '../../../libs/store/src/test-utils/hub-server';
import { QuantizerHarness, plan, startQuantizerHarness } from './test-utils/quantizer-harness';
import { TestRedis, startTestRedis } from '@tessera/testing';

const sha256 = (p: string) => `sha256:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;

describe('quantizer: hf:// sources', () => {
  let redis: TestRedis;
  let base: string;
  let model: string;
  const opened: Array<QuantizerHarness | HubServer> = [];

  const start = async (hubOpts: { dropOnce?: string; corrupt?: string; dir?: string }) => {
    const hub = await startHubServer({ repo: 'acme/micro', dir: model, tags: ['v1'], ...hubOpts });
    opened.push(hub);
    const q = await startQuantizerHarness(redis, { HF_ENDPOINT: hub.url });
    opened.push(q);
    return { hub, q };
  };

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'tessera-qhub-'));
    model = join(base, 'micro-hf');
    await synthHfModel(model, { preset: 'micro', seed: 8, dtype: 'f16', shards: 2 });
    redis = await startTestRedis();
  }, 120_000);
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.close();
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('downloads hf://org/name@rev (resuming a dropped connection), converts it and stores it', async () => {
    const { hub, q } = await start({ dropOnce: '00002-of-00002.safetensors' });
    await q.submit(plan({ sweepId: 'hub1', source: 'hf://acme/micro@v1', presets: ['Q8_0'], name: 'micro', evaluate: false }));
    const job = await q.waitForReport('hub1');
    expect(job.failedReason).toBeUndefined();
    const report = job.returnvalue as SweepReport;
    expect(report.rows.map((r) => r.preset)).toEqual(['Q8_0']);
    expect(hub.resumedRequests).toEqual([expect.stringMatching(/^model-00002-of-00002\.safetensors@\d+$/)]);

    // What was stored is exactly the conversion of the checkpoint the hub holds.
    const f16 = join(base, 'ref-f16.gguf');
    await convertHfToGguf(model, f16, { outtype: 'f16', name: 'micro' });
    expect(await q.store.manifests.get('acme', 'micro', 'source')).toMatchObject({ digest: sha256(f16), source: 'hf://acme/micro@v1' });
    expect(report.sourceDigest).toBe(sha256(f16));
    expect(await q.store.blobs.temps()).toEqual([]);
    expect(await q.store.workDirs()).toEqual([]);
  }, 120_000);

  it("stores a GGUF repository file as it is, under the hub's own sha256", async () => {
    const dir = join(base, 'gguf-repo');
    mkdirSync(dir);
    await synthGguf(join(dir, 'micro-f16.gguf'), { preset: 'micro', outtype: 'f16', seed: 9 });
    const { q } = await start({ dir });
    await q.submit(plan({ sweepId: 'hub3', source: 'hf://acme/micro', presets: ['Q8_0'], name: 'micro-gguf', evaluate: false }));
    const job = await q.waitForReport('hub3');
    expect(job.failedReason).toBeUndefined();
    expect(await q.store.manifests.get('acme', 'micro-gguf', 'source')).toMatchObject({ digest: sha256(join(dir, 'micro-f16.gguf')), preset: 'F16' });
    expect(await q.store.workDirs()).toEqual([]);
  }, 120_000);

  it('fails at once with source_corrupt when a file does not match the hub checksum, storing nothing', async () => {
    const { q } = await start({ corrupt: '00001-of-00002.safetensors' });
    await q.submit(plan({ sweepId: 'hub2', source: 'hf://acme/micro@v1', presets: ['Q8_0'], name: 'micro', evaluate: false }));
    const job = await q.waitForReport('hub2');
    expect(job.id).toBe(quantJobIds.convert('hub2'));
    expect(job.failedReason).toMatch(/^source_corrupt: model-00001-of-00002\.safetensors from acme\/micro@[0-9a-f]{40} does not match the hub's checksum/);
    expect(job.attemptsMade).toBe(1);
    expect(await q.store.blobs.list()).toEqual([]);
    expect(await q.store.manifests.listAll()).toEqual([]);
    expect(await q.store.blobs.temps()).toEqual([]);
    expect(await q.store.workDirs()).toEqual([]);
  }, 120_000);
});
