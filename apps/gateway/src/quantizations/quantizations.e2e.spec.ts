import { INestApplicationContext } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUANT_PRESET_NAMES } from '@tessera/contracts';
import { convertHfToGguf, synthHfModel } from '@tessera/convert';
import { quantizeFile } from '@tessera/quant';
import { GatewayHarness, startGateway, TEST_ADMIN_KEY } from '../test-utils/gateway-harness';
import { startTestRedis, TestRedis, waitFor } from '@tessera/testing';
import { startInProcessQuantizer } from './test-utils/in-process-quantizer';
import { readSseEvents } from './test-utils/sse-reader';

/**
 * The quantization API end to end: a real gateway, real Redis and real
 * quantizer workers in this process, a synthesized Hugging Face checkpoint in
 * the import directory, and a temp model store shared by both.
 */
describe('quantization API (gateway + quantizer + Redis)', () => {
  const PRESETS = ['Q4_0', 'Q4_K_M', 'Q5_K_M', 'Q8_0'];
  let f16: string;
  let uploadLimit: number;
  let base: string;
  let redis: TestRedis;
  let gw: GatewayHarness;
  let quantizer: INestApplicationContext;
  let acme: string;
  let rival: string;

  const sha256 = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
  const post = (body: unknown, key = acme) => gw.request('POST', '/v1/quantizations', { key, body });
  const get = (path: string, key = acme) => gw.request('GET', path, { key });

  async function createKey(team: string): Promise<string> {
    expect((await gw.request('POST', '/v1/admin/teams', { key: TEST_ADMIN_KEY, body: { name: team } })).status).toBe(201);
    const res = await gw.request('POST', '/v1/admin/keys', { key: TEST_ADMIN_KEY, body: { team, role: 'member' } });
    expect(res.status).toBe(201);
    return res.body.key as string;
  }

  async function waitUntilDone(id: string, timeoutMs = 60_000): Promise<any> {
    let last = '';
    return waitFor(
      async () => {
        const res = await get(`/v1/quantizations/${id}`);
        expect(res.status).toBe(200);
        last = res.text;
        return res.body.done ? res.body : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `quantization ${id} to be done`, details: () => `last GET: ${last}` },
    );
  }

  function upload(body: Uint8Array | ReadableStream, query: string, headers: Record<string, string> = {}) {
    return fetch(`${gw.baseUrl}/v1/models/uploads${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${acme}`, 'content-type': 'application/octet-stream', ...headers },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
  }

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'tessera-qapi-'));
    const importDir = join(base, 'import');
    const storeDir = join(base, 'store');
    mkdirSync(storeDir);
    await synthHfModel(join(importDir, 'micro-hf'), { preset: 'micro', seed: 5, dtype: 'f16' });
    writeFileSync(join(importDir, 'corrupt.gguf'), Buffer.concat([Buffer.from('GGUF'), randomBytes(256)]));
    writeFileSync(join(base, 'outside.gguf'), 'GGUF');
    // What the converter writes for this checkpoint (the sweep's name goes into its metadata).
    f16 = join(base, 'ref-f16.gguf');
    await convertHfToGguf(join(importDir, 'micro-hf'), f16, { outtype: 'f16', name: 'micro-hf' });
    uploadLimit = statSync(f16).size + 4096;
    redis = await startTestRedis();
    const env = { TESSERA_STORE_DIR: storeDir, TESSERA_IMPORT_DIR: importDir };
    // Uploads stream past the JSON body limit; only UPLOAD_LIMIT_BYTES bounds them.
    gw = await startGateway({ ...env, UPLOAD_LIMIT_BYTES: String(uploadLimit), BODY_LIMIT_BYTES: '65536' }, redis);
    quantizer = await startInProcessQuantizer(redis, env);
    acme = await createKey('acme');
    rival = await createKey('rival');
  }, 60_000);

  afterAll(async () => {
    await quantizer?.close();
    await gw?.close();
    await redis?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('sweeps a Hugging Face checkpoint over four presets: SSE progress, CLI-identical artifacts, report by KL divergence', async () => {
    const created = await post({ source: 'file:micro-hf', presets: PRESETS });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ object: 'quantization', name: 'micro-hf', source: 'file:micro-hf', presets: PRESETS, evaluate: true, done: false });

    const sse = await readSseEvents(`${gw.baseUrl}/v1/quantizations/${id}/events`, acme, 90_000);
    expect(sse.status).toBe(200);
    expect(sse.done).toBe(true);
    expect(sse.events.length).toBeGreaterThanOrEqual(3);
    const progress = sse.events.map((e) => e.progress as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
    expect(sse.events.some((e) => e.results.some((r: any) => ['quantizing', 'evaluating'].includes(r.state) || r.state === 'completed') && !e.done)).toBe(true);
    const last = sse.events[sse.events.length - 1];
    expect(last).toMatchObject({ id, state: 'completed', done: true, progress: 100, errors: [] });

    const job = (await get(`/v1/quantizations/${id}`)).body;
    expect(job).toEqual(last);
    expect(job.results.map((r: any) => r.preset)).toEqual(PRESETS);

    // The artifacts are exactly what the converter and the CLI's quantizer write.
    expect(job.source_model).toMatchObject({ state: 'completed', digest: sha256(f16), format: 'F16', model: 'micro-hf:source' });
    for (const r of job.results) {
      const out = join(base, `ref-${r.preset}.gguf`);
      await quantizeFile(f16, out, r.preset, { threads: 1 });
      expect(r).toMatchObject({ state: 'completed', digest: sha256(out), model: `micro-hf:${r.preset.toLowerCase()}`, error: null });
      expect(r.quality.mean_kld).toBeGreaterThan(0);
    }

    // The report orders presets by KL divergence, Q8_0 lowest; the chart has one point per preset.
    const report = await get(`/v1/quantizations/${id}/report`);
    expect(report.status).toBe(200);
    const klds = report.body.rows.map((r: any) => r.quality.mean_kld);
    expect(report.body.rows[0].preset).toBe('Q8_0');
    expect(klds).toEqual([...klds].sort((a: number, b: number) => a - b));
    const byPreset = Object.fromEntries(report.body.rows.map((r: any) => [r.preset, r.quality.mean_kld]));
    expect(byPreset.Q8_0).toBeLessThan(byPreset.Q5_K_M);
    expect(byPreset.Q5_K_M).toBeLessThan(byPreset.Q4_0);
    const chart = await get(`/v1/quantizations/${id}/report.svg`);
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(chart.text.match(/<circle /g)).toHaveLength(4);

    // Stored: the source and every preset, under the team's name.
    const stored = await get('/v1/stored-models/micro-hf');
    expect(stored.body.data.map((m: any) => m.tag).sort()).toEqual(['q4_0', 'q4_k_m', 'q5_k_m', 'q8_0', 'source']);

    // The same work again (presets reordered, lower case) is the same job: 200, same id, no new work.
    const again = await post({ source: 'file:micro-hf', presets: ['q8_0', 'Q4_0', 'Q5_K_M', 'Q4_K_M'] });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id, state: 'completed' });

    // Team scope: listed for acme, invisible to rival.
    expect((await get('/v1/quantizations')).body.data.map((j: any) => j.id)).toContain(id);
    expect((await get('/v1/quantizations', rival)).body.data).toEqual([]);
    for (const path of [`/v1/quantizations/${id}`, `/v1/quantizations/${id}/report`, `/v1/quantizations/${id}/report.svg`, `/v1/quantizations/${id}/events`]) {
      const res = await get(path, rival);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ type: 'not_found_error', code: 'not_found' });
    }
    expect((await gw.request('DELETE', `/v1/quantizations/${id}`, { key: rival })).status).toBe(404);
    expect((await get('/v1/stored-models/micro-hf', rival)).status).toBe(404);
  }, 180_000);

  it('rejects an unknown preset with 400 listing the valid ones', async () => {
    const res = await post({ source: 'file:micro-hf', presets: ['Q4_K_M', 'Q9_X'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'presets' });
    expect(res.body.error.message).toContain("Unknown preset 'Q9_X'");
    for (const p of QUANT_PRESET_NAMES) expect(res.body.error.message).toContain(p);
    expect((await post({ source: 'file:micro-hf', presets: [] })).status).toBe(400);
    expect((await post({ source: 'file:micro-hf' })).body.error.param).toBe('presets');
    expect((await post({ source: 'file:micro-hf', presets: ['Q4_0'], colour: 'red' })).body.error.param).toBe('colour');
  });

  it.each([['file:../outside.gguf'], ['file:/etc/passwd'], ['file:micro-hf/../../outside.gguf'], ['file:missing-dir'], ['ftp://x/y']])('rejects the source %s with 400', async (source) => {
    const res = await post({ source, presets: ['Q4_0'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'source' });
    expect(res.body.error.message.length).toBeGreaterThan(20);
  });

  it('fails a job whose source file is corrupt, with the reason in GET', async () => {
    const res = await post({ source: 'file:corrupt.gguf', presets: ['Q4_0'] });
    expect(res.status).toBe(201);
    const job = await waitUntilDone(res.body.id);
    expect(job.state).toBe('failed');
    expect(job.errors).toEqual([expect.objectContaining({ stage: 'convert', code: 'source_corrupt' })]);
    expect(job.errors[0].message.length).toBeGreaterThan(10);
    const report = await get(`/v1/quantizations/${res.body.id}/report`);
    expect(report.status).toBe(404);
    expect(report.body.error.message).toMatch(/without a report/);
  });

  it('cancels a running sweep: every job stops as cancelled', async () => {
    const res = await post({ source: 'file:micro-hf', presets: ['Q4_0', 'Q5_K_M'], name: 'cancel-me' });
    expect(res.status).toBe(201);
    const cancelled = await gw.request('DELETE', `/v1/quantizations/${res.body.id}`, { key: acme });
    expect(cancelled.status).toBe(200);
    expect(['cancelling', 'cancelled']).toContain(cancelled.body.state);
    const job = await waitUntilDone(res.body.id);
    expect(job.state).toBe('cancelled');
    expect(job.errors.length).toBeGreaterThan(0);
    // Listed (not just counted) so a stray failure shows its stage, code and message.
    expect(job.errors.filter((e: any) => e.code !== 'cancelled')).toEqual([]);
    expect(job.results.some((r: any) => r.state === 'completed')).toBe(false);
    // A finished sweep is not changed by another cancel.
    expect((await gw.request('DELETE', `/v1/quantizations/${res.body.id}`, { key: acme })).body.state).toBe('cancelled');
    // Submitting the same work again starts it afresh under the same id.
    const again = await post({ source: 'file:micro-hf', presets: ['Q4_0', 'Q5_K_M'], name: 'cancel-me' });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: res.body.id, done: false, errors: [] });
    const rerun = await waitUntilDone(res.body.id);
    expect(rerun).toMatchObject({ state: 'completed', errors: [] });
    expect(rerun.results.map((r: any) => r.state)).toEqual(['completed', 'completed']);
  }, 60_000);

  it('answers 404 for unknown quantizations and 401 without a key', async () => {
    for (const id of ['qz-000000000000000000000000', 'nope', '..%2F..%2Fetc']) {
      const res = await get(`/v1/quantizations/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(/GET \/v1\/quantizations/);
    }
    expect((await gw.request('GET', '/v1/quantizations')).status).toBe(401);
    expect((await gw.request('POST', '/v1/models/uploads?name=x')).status).toBe(401);
  });

  it('stores uploads per team, refuses bad names, non-GGUF bytes and uploads over the limit', async () => {
    const model = Buffer.concat([Buffer.from('GGUF'), randomBytes(4096)]);
    const res = await upload(model, '?name=my-model&tag=v1');
    expect(res.status).toBe(201);
    const body: any = await res.json();
    expect(body).toMatchObject({ id: 'my-model:v1', object: 'stored_model', size: model.length, digest: `sha256:${createHash('sha256').update(model).digest('hex')}`, source: 'model:my-model:v1' });
    expect((await get('/v1/stored-models')).body.data.map((m: any) => m.id)).toContain('my-model:v1');
    expect((await get('/v1/stored-models/my-model/v1')).body.digest).toBe(body.digest);
    expect((await get('/v1/stored-models', rival)).body.data).toEqual([]);
    expect((await get('/v1/stored-models/my-model/v1', rival)).status).toBe(404);
    // A stored model of another team cannot be a source either.
    expect((await post({ source: 'model:my-model:v1', presets: ['Q4_0'] }, rival)).status).toBe(404);

    for (const query of ['?name=..%2Fescape', '?name=.hidden', '?name=ok&tag=..']) {
      const bad = await upload(model, query);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as any).error.message).toMatch(/not allowed/);
    }
    expect((await get('/v1/stored-models/..%2F..%2Fetc/passwd')).status).toBe(400);
    expect((await upload(Buffer.from('not a gguf file at all'), '?name=text')).status).toBe(400);

    const big = Buffer.concat([Buffer.from('GGUF'), randomBytes(uploadLimit)]);
    const declared = await upload(big, '?name=too-big');
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as any).error).toMatchObject({ code: 'payload_too_large', message: expect.stringContaining('UPLOAD_LIMIT_BYTES') });
    // Streamed without a length: the store stops at the limit.
    const chunks = [big.subarray(0, 40_000), big.subarray(40_000)];
    const stream = new ReadableStream({ pull: (c) => (chunks.length ? c.enqueue(chunks.shift()!) : c.close()) });
    expect((await upload(stream, '?name=too-big')).status).toBe(413);
    expect((await get('/v1/stored-models/too-big')).status).toBe(404);

    const deleted = await gw.request('DELETE', '/v1/stored-models/my-model/v1', { key: acme });
    expect(deleted.body).toEqual({ id: 'my-model:v1', object: 'stored_model', deleted: true });
    expect((await get('/v1/stored-models/my-model/v1')).status).toBe(404);
  });

  it('quantizes an uploaded GGUF (source model:<name>:<tag>) to the same bytes as the CLI', async () => {
    expect(statSync(f16).size).toBeGreaterThan(65536); // over BODY_LIMIT_BYTES: streamed, not buffered
    const res = await upload(readFileSync(f16), '?name=micro-f16&tag=v1');
    expect(res.status).toBe(201);
    const stored: any = await res.json();
    expect(stored).toMatchObject({ id: 'micro-f16:v1', origin: 'upload', source: 'model:micro-f16:v1', digest: sha256(f16) });
    const created = await post({ source: stored.source, presets: ['Q4_0'], evaluate: false });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'micro-f16', source: 'model:micro-f16:v1', evaluate: false });
    const job = await waitUntilDone(created.body.id);
    expect(job).toMatchObject({ state: 'completed', errors: [], source_model: { digest: sha256(f16), format: 'F16' } });
    const out = join(base, 'ref-upload-Q4_0.gguf');
    await quantizeFile(f16, out, 'Q4_0', { threads: 1 });
    expect(job.results).toEqual([expect.objectContaining({ preset: 'Q4_0', state: 'completed', model: 'micro-f16:q4_0', digest: sha256(out), quality: null })]);
    expect((await get('/v1/stored-models/micro-f16/q4_0')).body).toMatchObject({ parent: sha256(f16), preset: 'Q4_0', digest: sha256(out) });
  }, 60_000);

  it('answers 503 naming TESSERA_STORE_DIR on a gateway without a model store', async () => {
    const bare = await startGateway({}, redis);
    try {
      for (const [method, path] of [['GET', '/v1/stored-models'], ['POST', '/v1/models/uploads?name=x']]) {
        const res = await bare.request(method, path, { key: acme });
        expect(res.status).toBe(503);
        expect(res.body.error.message).toMatch(/TESSERA_STORE_DIR/);
      }
      const res = await bare.request('POST', '/v1/quantizations', { key: acme, body: { source: 'file:micro-hf', presets: ['Q4_0'] } });
      expect(res.status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});
