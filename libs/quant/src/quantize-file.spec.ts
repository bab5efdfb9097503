import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLType, quantizeSync } from '@tessera/native';
import { GGUFMetadata, buildGGUF, ggufValue, parseGGUF, readGGUF } from '@tessera/gguf';
import { QuantError } from './errors';
import { QuantKernels } from './kernels';
import { quantizeFile } from './quantize-file';
import { planQuantizeFile } from './quantize-plan';

const GOLDEN = process.env.TESSERA_GOLDEN_DIR ?? '/work/shared/golden/micro';
const SRC = join(GOLDEN, 'micro-f32.gguf');

// Stand-in kernels written from the format description, so the container logic
// (metadata, order, alignment, streaming, cancellation) is checked on its own.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function toHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}
function fromHalf(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
function q8_0(src: Float32Array): Uint8Array {
  const out = new Uint8Array((src.length / 32) * 34);
  const view = new DataView(out.buffer);
  const qs = new Int8Array(out.buffer);
  for (let b = 0; b < src.length / 32; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[b * 32 + j]));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    view.setUint16(b * 34, toHalf(d), true);
    for (let j = 0; j < 32; j++) {
      const x = Math.fround(src[b * 32 + j] * id);
      qs[b * 34 + 2 + j] = x < 0 ? -Math.round(-x) : Math.round(x); // roundf: halves away from zero
    }
  }
  return out;
}
const fakeKernels = (calls: string[] = []): QuantKernels => ({
  async quantize(type, src) {
    calls.push(`q${type}`);
    if (type === GGMLType.Q8_0) return q8_0(src);
    if (type === GGMLType.F16) {
      const out = new Uint16Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = toHalf(src[i]);
      return new Uint8Array(out.buffer);
    }
    throw new Error(`fake kernels cannot make type ${type}`);
  },
  async dequantize(type, bytes, n) {
    calls.push(`d${type}`);
    if (type !== GGMLType.F16) throw new Error(`fake kernels cannot read type ${type}`);
    const halves = new Uint16Array(bytes.slice().buffer, 0, n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = fromHalf(halves[i]);
    return out;
  },
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const goldenSum = (file: string) =>
  readFileSync(join(GOLDEN, 'SHA256SUMS'), 'utf8')
    .split('\n')
    .find((l) => l.endsWith(`  ${file}`))!
    .split(' ')[0];

describe('quantizeFile (container logic, stand-in kernels)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'quant-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the reference Q8_0 file byte for byte', async () => {
    const out = join(dir, 'q8.gguf');
    const progress: number[] = [];
    const result = await quantizeFile(SRC, out, 'Q8_0', {
      threads: 1,
      kernels: fakeKernels(),
      onProgress: (p) => progress.push(p.bytesDone / p.bytesTotal),
    });
    expect(sha256(readFileSync(out))).toBe(goldenSum('micro-Q8_0.gguf'));
    expect(result.preset).toBe('Q8_0');
    expect(result.sizeOut).toBe(readFileSync(out).length);
    expect(result.sizeIn).toBe(readFileSync(SRC).length);
    expect(result.tensors.map((t) => t.name).slice(0, 3)).toEqual(['output.weight', 'output_norm.weight', 'token_embd.weight']);
    const norm = result.tensors.find((t) => t.name === 'output_norm.weight')!;
    expect(norm).toEqual({ name: 'output_norm.weight', fromType: GGMLType.F32, toType: GGMLType.F32, bytesIn: 1024, bytesOut: 1024 });
    expect(progress.length).toBe(result.tensors.length);
    expect(progress[progress.length - 1]).toBe(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('converts F16 input to F32 before quantizing, and F16 -> F32 needs no quantizer', async () => {
    // An F16 copy of the source with tensors in file order: quantizing it must give the same
    // Q8_0 data as quantizing the widened values directly.
    const src = await readGGUF(SRC);
    const bytes = readFileSync(SRC);
    const tensors = src.tensors.map((t) => {
      const vals = new Float32Array(bytes.buffer.slice(bytes.byteOffset + t.absoluteOffset, bytes.byteOffset + t.absoluteOffset + t.nBytes));
      if (t.dims.length === 1) return { name: t.name, dims: t.dims, type: GGMLType.F32, data: new Uint8Array(vals.buffer) };
      const half = new Uint16Array(vals.length);
      for (let i = 0; i < vals.length; i++) half[i] = toHalf(vals[i]);
      return { name: t.name, dims: t.dims, type: GGMLType.F16, data: new Uint8Array(half.buffer) };
    });
    const f16Path = join(dir, 'f16.gguf');
    writeFileSync(f16Path, buildGGUF(src.kv, tensors));

    const calls: string[] = [];
    await quantizeFile(f16Path, join(dir, 'q8.gguf'), 'Q8_0', { kernels: fakeKernels(calls) });
    expect(calls.filter((c) => c === `d${GGMLType.F16}`).length).toBe(16);
    const q8 = parseGGUF(readFileSync(join(dir, 'q8.gguf')));
    expect(q8.tensors.find((t) => t.name === 'blk.0.attn_q.weight')?.type).toBe(GGMLType.Q8_0);

    await quantizeFile(f16Path, join(dir, 'f32.gguf'), 'F32', { kernels: fakeKernels() });
    const back = parseGGUF(readFileSync(join(dir, 'f32.gguf')));
    expect(back.tensors.every((t) => t.type === GGMLType.F32)).toBe(true);
    expect(back.kv.getU32('general.file_type')).toBe(0);
  });

  it('keeps the input order of keys, moves version and file type to the end, drops split keys', async () => {
    const kv = new GGUFMetadata();
    kv.set('general.architecture', ggufValue.string('llama'));
    kv.set('general.file_type', ggufValue.u32(0));
    kv.set('split.count', ggufValue.u16(1));
    kv.set('llama.block_count', ggufValue.u32(1));
    kv.set('general.quantization_version', ggufValue.u32(1));
    kv.set('zzz.custom', ggufValue.i32(-4));
    const w = new Float32Array(32 * 2).map((_, i) => i / 7);
    const inPath = join(dir, 'in.gguf');
    writeFileSync(inPath, buildGGUF(kv, [{ name: 'blk.0.attn_q.weight', dims: [32, 2], type: GGMLType.F32, data: new Uint8Array(w.buffer) }]));
    await quantizeFile(inPath, join(dir, 'out.gguf'), 'Q8_0', { kernels: fakeKernels() });
    const out = parseGGUF(readFileSync(join(dir, 'out.gguf')));
    expect(out.kv.keys()).toEqual(['general.architecture', 'llama.block_count', 'zzz.custom', 'general.quantization_version', 'general.file_type']);
    expect(out.kv.getU32('general.quantization_version')).toBe(2);
    expect(out.kv.getU32('general.file_type')).toBe(7);
  });

  it('cancellation removes the temp file and leaves no output', async () => {
    const ctrl = new AbortController();
    const out = join(dir, 'q8.gguf');
    const run = quantizeFile(SRC, out, 'Q8_0', {
      kernels: fakeKernels(),
      signal: ctrl.signal,
      onProgress: (p) => p.tensorIndex === 3 && ctrl.abort(),
    });
    await expect(run).rejects.toMatchObject({ code: 'QUANT_ABORTED' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses requantization unless allowed, before writing anything', async () => {
    const q8 = join(GOLDEN, 'micro-Q8_0.gguf');
    await expect(quantizeFile(q8, join(dir, 'x.gguf'), 'Q4_0', { kernels: fakeKernels() })).rejects.toMatchObject({
      code: 'QUANT_REQUANTIZE_DISABLED',
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('copies tensors that keep their type without calling any kernel', async () => {
    const calls: string[] = [];
    const q8 = join(GOLDEN, 'micro-Q8_0.gguf');
    await quantizeFile(q8, join(dir, 'same.gguf'), 'Q8_0', { kernels: fakeKernels(calls) });
    expect(calls).toEqual([]);
    expect(sha256(readFileSync(join(dir, 'same.gguf')))).toBe(goldenSum('micro-Q8_0.gguf'));
  });

  it('rejects unknown type names in options with a typed error', async () => {
    await expect(quantizeFile(SRC, join(dir, 'x.gguf'), 'Q8_0', { outputTensorType: 'Q9_9', kernels: fakeKernels() })).rejects.toBeInstanceOf(QuantError);
  });

  it('planQuantizeFile predicts types and data size without writing', async () => {
    const plan = await planQuantizeFile(SRC, 'Q4_K_M');
    const golden = parseGGUF(readFileSync(join(GOLDEN, 'micro-Q4_K_M.gguf')));
    expect(plan.tensors.map((t) => [t.name, t.toType, t.bytesOut])).toEqual(golden.tensors.map((t) => [t.name, t.type, t.nBytes]));
    expect(plan.dataSizeOut).toBe(golden.fileSize - golden.dataOffset);
    expect(plan.sizeIn).toBe(readFileSync(SRC).length);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('quantizes expert tensors slice by slice, each slice with its own expert\'s importance weights', async () => {
    const kv = new GGUFMetadata();
    kv.set('general.architecture', ggufValue.string('llama'));
    kv.set('llama.block_count', ggufValue.u32(1));
    kv.set('llama.expert_count', ggufValue.u32(3));
    const dims = [64, 5, 3];
    const w = Float32Array.from({ length: 64 * 5 * 3 }, (_, i) => Math.sin(i * 0.61) * (1 + (i % 7)));
    const name = 'blk.0.ffn_gate_exps.weight';
    const inPath = join(dir, 'moe.gguf');
    writeFileSync(inPath, buildGGUF(kv, [{ name, dims, type: GGMLType.F32, data: new Uint8Array(w.buffer) }]));
    const weights = Float32Array.from({ length: 64 * 3 }, (_, i) => 0.5 + ((i * 37) % 11));
    const imatrix = { path: 'im.gguf', format: 'gguf' as const, weights: new Map([[name, weights]]), datasets: [], chunkCount: 1 };
    // 2 rows of F32 per slice: slices of 2, 2 and 1 rows in each expert.
    await quantizeFile(inPath, join(dir, 'out.gguf'), 'Q4_0', { imatrix, sliceBytes: 2 * 64 * 4, threads: 2 });
    const out = readFileSync(join(dir, 'out.gguf'));
    const t = parseGGUF(out).tensorsByName.get(name)!;
    expect(t.type).toBe(GGMLType.Q4_0);
    const expected = Buffer.concat(
      [0, 1, 2].map((e) => quantizeSync(GGMLType.Q4_0, w.subarray(e * 320, (e + 1) * 320), 64, { imatrix: weights.subarray(e * 64, (e + 1) * 64) })),
    );
    expect(out.subarray(t.absoluteOffset, t.absoluteOffset + t.nBytes).equals(expected)).toBe(true);
  });

  it('applies manual tensor types given by name', async () => {
    const out = join(dir, 'manual.gguf');
    const result = await quantizeFile(SRC, out, 'Q8_0', { kernels: fakeKernels(), tensorTypes: [{ pattern: 'attn_q', type: 'f16' }] });
    const types = new Map(result.tensors.map((t) => [t.name, t.toType]));
    expect(types.get('blk.0.attn_q.weight')).toBe(GGMLType.F16);
    expect(types.get('blk.1.attn_q.weight')).toBe(GGMLType.F16);
    expect(types.get('blk.0.attn_k.weight')).toBe(GGMLType.Q8_0);
    expect(parseGGUF(readFileSync(out)).tensorsByName.get('blk.1.attn_q.weight')?.type).toBe(GGMLType.F16);
  });
});
