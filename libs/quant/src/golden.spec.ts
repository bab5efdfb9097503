// The contract with the reference implementation: quantizing the golden micro
// model with each preset must reproduce llama-quantize's file exactly (every
// tensor's type and bytes, and the whole file's SHA-256). Then the mix rules on
// real model shapes, with expectations worked out by hand from the rules.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLType as T } from '@tessera/native';
import { parseGGUF } from '@tessera/gguf';
import { DenseLlamaShape, denseLlamaModelInfo, denseLlamaTensors } from './llama-shape';
import { quantizeFile } from './quantize-file';
import { planTensorTypes } from './tensor-type-rules';

const GOLDEN = process.env.TESSERA_GOLDEN_DIR ?? '/work/shared/golden/micro';
const PRESETS = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K_S', 'Q3_K_M', 'Q3_K_L', 'Q4_K_S', 'Q4_K_M', 'Q5_K_S', 'Q5_K_M', 'Q6_K', 'IQ4_NL', 'IQ4_XS', 'F16', 'BF16'];
const SUMS = new Map(
  readFileSync(join(GOLDEN, 'SHA256SUMS'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [sum, file] = line.split(/\s+/);
      return [file, sum] as const;
    }),
);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('golden: quantizing micro-f32.gguf matches llama-quantize', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'quant-golden-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(PRESETS)('%s', async (preset) => {
    const out = join(dir, `micro-${preset}.gguf`);
    await quantizeFile(join(GOLDEN, 'micro-f32.gguf'), out, preset, { threads: 2 });
    const ours = readFileSync(out);
    const theirs = readFileSync(join(GOLDEN, `micro-${preset}.gguf`));
    const a = parseGGUF(ours);
    const b = parseGGUF(theirs);
    // Per tensor first, so a failure names the tensor and type that differ.
    expect(a.tensors.map((t) => [t.name, t.type])).toEqual(b.tensors.map((t) => [t.name, t.type]));
    for (const [i, t] of a.tensors.entries()) {
      const u = b.tensors[i];
      const same = ours.subarray(t.absoluteOffset, t.absoluteOffset + t.nBytes).equals(theirs.subarray(u.absoluteOffset, u.absoluteOffset + u.nBytes));
      expect([t.name, same]).toEqual([t.name, true]);
    }
    expect(a.kv.keys()).toEqual(b.kv.keys());
    expect(sha256(ours)).toBe(SUMS.get(`micro-${preset}.gguf`));
  });
});

describe('golden: 16-bit inputs', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'quant-golden16-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // F16/BF16 -> F32 widens exactly and F32 -> F16/BF16 rounds back to the same bits, so the
  // round trip must reproduce the reference file (file_type and version end up last both times).
  it.each(['F16', 'BF16'])('micro-%s -> F32 -> back reproduces the reference file', async (preset) => {
    const f32 = join(dir, `${preset}-as-f32.gguf`);
    const back = join(dir, `${preset}-back.gguf`);
    await quantizeFile(join(GOLDEN, `micro-${preset}.gguf`), f32, 'F32', { threads: 2 });
    expect(parseGGUF(readFileSync(f32)).tensors.every((t) => t.type === T.F32)).toBe(true);
    await quantizeFile(f32, back, preset, { threads: 2 });
    expect(sha256(readFileSync(back))).toBe(SUMS.get(`micro-${preset}.gguf`));
  });

  it('quantizing F16 input gives the same tensors as quantizing its exact F32 widening', async () => {
    const f32 = join(dir, 'widened.gguf');
    await quantizeFile(join(GOLDEN, 'micro-F16.gguf'), f32, 'F32', { threads: 2 });
    const fromF16 = join(dir, 'from-f16.gguf');
    const fromF32 = join(dir, 'from-f32.gguf');
    await quantizeFile(join(GOLDEN, 'micro-F16.gguf'), fromF16, 'Q4_K_M', { threads: 2 });
    await quantizeFile(f32, fromF32, 'Q4_K_M', { threads: 2 });
    expect(readFileSync(fromF16).equals(readFileSync(fromF32))).toBe(true);
  });
});

describe('golden: slice by slice', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'quant-slices-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // One row per slice: converting rows apart must give the reference's bytes, and so must
  // every slice size in between. Copied tensors go in odd-sized slices (4099 bytes) that cut
  // elements in half; 7-byte slices (400k of them) took a minute on a loaded machine.
  it.each([
    ['micro-f32', 'Q4_0', 1],
    ['micro-f32', 'Q4_K_M', 1],
    ['micro-f32', 'IQ4_XS', 1],
    ['micro-f32', 'Q6_K', 3000],
    ['micro-F16', 'F16', 4099],
  ])('%s -> %s in slices of %d bytes', async (input, preset, sliceBytes) => {
    const out = join(dir, `${preset}-${sliceBytes}.gguf`);
    const result = await quantizeFile(join(GOLDEN, `${input}.gguf`), out, preset, { threads: 2, sliceBytes });
    expect(sha256(readFileSync(out))).toBe(SUMS.get(`micro-${preset}.gguf`));
    expect(result.sizeOut).toBe(readFileSync(out).length);
  });
});

// Hand-derived expectations. Notation: 2-D weights get `base`, norms stay F32,
// and `except` lists the deviations.
function expected(shape: DenseLlamaShape, base: T, except: Record<string, T>): Map<string, T> {
  const m = new Map(denseLlamaTensors(shape).map((t) => [t.name, t.dims.length === 1 ? T.F32 : base]));
  for (const [name, type] of Object.entries(except)) {
    if (!m.has(name)) throw new Error(`unknown tensor ${name} in test table`);
    m.set(name, type);
  }
  return m;
}
const layers = (list: number[], tensor: string, type: T) => Object.fromEntries(list.map((i) => [`blk.${i}.${tensor}.weight`, type]));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const plan = (shape: DenseLlamaShape, preset: string, imatrix = false) =>
  new Map(planTensorTypes(denseLlamaTensors(shape), denseLlamaModelInfo(shape), preset, { imatrix }).map((p) => [p.name, p.toType]));

describe('rules on a SmolLM-135M shape (30 layers, n_embd 576, n_ff 1536, n_gqa 3, tied embeddings)', () => {
  // 576 % 256 != 0: every 576-wide row falls back to a block-32 type. ffn_down rows are
  // 1536 = 6 x 256 wide and keep K-quants. token_embd is the output (tied): 576 is not a
  // multiple of 256 -> Q8_0; for Q4_0 the output rule gives Q6_K, whose fallback is Q8_0.
  const SMOL: DenseLlamaShape = { layers: 30, embd: 576, ffn: 1536, heads: 9, kvHeads: 3, vocab: 49152, tiedEmbeddings: true };
  const all = range(0, 30);
  // use_more_bits(i, 30): i < 3, i >= 26, or (i - 3) % 3 == 2 -> 5, 8, ..., 23.
  const more = [0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 27, 28, 29];
  const rest = all.filter((i) => !more.includes(i));

  it('Q4_K_M', () => {
    expect(plan(SMOL, 'Q4_K_M')).toEqual(
      expected(SMOL, T.Q5_0, {
        'token_embd.weight': T.Q8_0,
        ...layers(more, 'attn_v', T.Q8_0), // Q6_K -> Q8_0
        ...layers(more, 'ffn_down', T.Q6_K),
        ...layers(rest, 'ffn_down', T.Q4_K),
      }),
    );
  });
  it('Q6_K', () => {
    expect(plan(SMOL, 'Q6_K')).toEqual(expected(SMOL, T.Q8_0, { ...layers(all, 'ffn_down', T.Q6_K) }));
  });
  it('Q2_K (n_gqa 3 < 4: attn_v Q3_K, which falls back to Q4_0)', () => {
    expect(plan(SMOL, 'Q2_K')).toEqual(expected(SMOL, T.Q4_0, { 'token_embd.weight': T.Q8_0, ...layers(all, 'ffn_down', T.Q3_K) }));
  });
  it('Q3_K_M', () => {
    // attn_v: Q5_K for the first two, Q4_K after -> Q5_1 / Q5_0; attn_output Q4_K -> Q5_0;
    // ffn_down: i < 30/16 = 1 -> Q5_K, else Q4_K (1536 wide: no fallback).
    expect(plan(SMOL, 'Q3_K_M')).toEqual(
      expected(SMOL, T.Q4_0, {
        'token_embd.weight': T.Q8_0,
        ...layers([0, 1], 'attn_v', T.Q5_1),
        ...layers(range(2, 30), 'attn_v', T.Q5_0),
        ...layers(all, 'attn_output', T.Q5_0),
        ...layers([0], 'ffn_down', T.Q5_K),
        ...layers(range(1, 30), 'ffn_down', T.Q4_K),
      }),
    );
  });
  it('IQ4_XS (ffn_down of the first 30/8 = 3 layers in Q5_K without an imatrix)', () => {
    const base = { 'token_embd.weight': T.Q8_0, ...layers(range(3, 30), 'ffn_down', T.IQ4_XS) };
    expect(plan(SMOL, 'IQ4_XS')).toEqual(expected(SMOL, T.IQ4_NL, { ...base, ...layers([0, 1, 2], 'ffn_down', T.Q5_K) }));
    expect(plan(SMOL, 'IQ4_XS', true)).toEqual(expected(SMOL, T.IQ4_NL, { ...base, ...layers([0, 1, 2], 'ffn_down', T.IQ4_XS) }));
  });
  it('Q4_0 keeps block-32 types (576 = 18 x 32)', () => {
    expect(plan(SMOL, 'Q4_0')).toEqual(expected(SMOL, T.Q4_0, { 'token_embd.weight': T.Q8_0 }));
  });
});

describe('rules on a TinyLlama-1.1B shape (22 layers, n_embd 2048, n_ff 5632, n_gqa 8)', () => {
  const TINY: DenseLlamaShape = { layers: 22, embd: 2048, ffn: 5632, heads: 32, kvHeads: 4, vocab: 32000 };
  const all = range(0, 22);
  // use_more_bits(i, 22): i < 2, i >= 19, or (i - 2) % 3 == 2 -> 4, 7, 10, 13, 16.
  const more = [0, 1, 4, 7, 10, 13, 16, 19, 20, 21];

  it('Q4_K_M', () => {
    expect(plan(TINY, 'Q4_K_M')).toEqual(
      expected(TINY, T.Q4_K, { 'output.weight': T.Q6_K, ...layers(more, 'attn_v', T.Q6_K), ...layers(more, 'ffn_down', T.Q6_K) }),
    );
  });
  it('Q5_K_M', () => {
    expect(plan(TINY, 'Q5_K_M')).toEqual(
      expected(TINY, T.Q5_K, { 'output.weight': T.Q6_K, ...layers(more, 'attn_v', T.Q6_K), ...layers(more, 'ffn_down', T.Q6_K) }),
    );
  });
  it('Q2_K (n_gqa 8 >= 4: attn_v Q4_K)', () => {
    expect(plan(TINY, 'Q2_K')).toEqual(
      expected(TINY, T.Q2_K, {
        'output.weight': T.Q6_K,
        ...layers(all, 'attn_v', T.Q4_K),
        ...layers(all, 'ffn_down', T.Q3_K),
        ...layers(all, 'attn_output', T.Q3_K),
      }),
    );
  });
  it('Q3_K_M (ffn_down Q5_K only for layer 0: 22/16 = 1)', () => {
    expect(plan(TINY, 'Q3_K_M')).toEqual(
      expected(TINY, T.Q3_K, {
        'output.weight': T.Q6_K,
        ...layers([0, 1], 'attn_v', T.Q5_K),
        ...layers(range(2, 22), 'attn_v', T.Q4_K),
        ...layers(all, 'attn_output', T.Q4_K),
        ...layers([0], 'ffn_down', T.Q5_K),
        ...layers(range(1, 22), 'ffn_down', T.Q4_K),
      }),
    );
  });
  it('Q4_K_S (attn_v of the first 4, ffn_down of the first 22/8 = 2 in Q5_K)', () => {
    expect(plan(TINY, 'Q4_K_S')).toEqual(
      expected(TINY, T.Q4_K, { 'output.weight': T.Q6_K, ...layers([0, 1, 2, 3], 'attn_v', T.Q5_K), ...layers([0, 1], 'ffn_down', T.Q5_K) }),
    );
  });
  it('IQ4_NL (n_gqa 8: attn_v Q5_K; ffn_down 0-1 Q5_K only without an imatrix)', () => {
    const base = { 'output.weight': T.Q6_K, ...layers(all, 'attn_v', T.Q5_K) };
    expect(plan(TINY, 'IQ4_NL')).toEqual(expected(TINY, T.IQ4_NL, { ...base, ...layers([0, 1], 'ffn_down', T.Q5_K) }));
    expect(plan(TINY, 'IQ4_NL', true)).toEqual(expected(TINY, T.IQ4_NL, base));
  });
  it('Q5_0 with an imatrix: ffn_down 0-1 in Q5_1', () => {
    expect(plan(TINY, 'Q5_0', true)).toEqual(expected(TINY, T.Q5_0, { 'output.weight': T.Q6_K, ...layers([0, 1], 'ffn_down', T.Q5_1) }));
  });
});
