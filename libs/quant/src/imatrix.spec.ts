import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLType } from '@tessera/native';
import { GGUFMetadata, GGUFValueType, buildGGUF, ggufValue, parseGGUF } from '@tessera/gguf';
import { QuantError } from './errors';
import { loadImatrix } from './imatrix';
import { parseLegacyImatrix } from './imatrix-legacy';
import { QuantKernels, nativeKernels } from './kernels';
import { quantizeFile } from './quantize-file';

const GOLDEN = process.env.TESSERA_GOLDEN_DIR ?? '/work/shared/golden/micro';

function legacyFile(entries: Array<[string, number, number[]]>, trailer?: [number, string]): Buffer {
  const parts: Buffer[] = [];
  const i32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return b;
  };
  parts.push(i32(entries.length));
  for (const [name, ncall, values] of entries) {
    const n = Buffer.from(name, 'utf8');
    parts.push(i32(n.length), n, i32(ncall), i32(values.length), Buffer.from(new Float32Array(values).buffer));
  }
  if (trailer) {
    const d = Buffer.from(trailer[1], 'utf8');
    parts.push(i32(trailer[0]), i32(d.length), d);
  }
  return Buffer.concat(parts);
}

function ggufImatrix(
  entries: Array<{ name: string; sums: number[]; counts: number[]; width: number; countType?: GGMLType }>,
  meta = true,
): Buffer {
  const kv = new GGUFMetadata();
  kv.set('general.type', ggufValue.string('imatrix'));
  if (meta) {
    kv.set('imatrix.datasets', ggufValue.array(GGUFValueType.STRING, ['wiki.train.raw']));
    kv.set('imatrix.chunk_count', ggufValue.u32(42));
    kv.set('imatrix.chunk_size', ggufValue.u32(512));
  }
  const tensors = entries.flatMap((e) => [
    { name: `${e.name}.in_sum2`, dims: [e.width, e.counts.length], type: GGMLType.F32, data: new Uint8Array(new Float32Array(e.sums).buffer) },
    { name: `${e.name}.counts`, dims: [1, e.counts.length], type: e.countType ?? GGMLType.F32, data: new Uint8Array(new Float32Array(e.counts).buffer) },
  ]);
  return buildGGUF(kv, tensors);
}

describe('legacy imatrix', () => {
  it('divides sums by the call count in float32, keeps sums when the count is 0, reads the trailer', () => {
    const im = parseLegacyImatrix(legacyFile([['blk.0.attn_q.weight', 3, [1, 2, 0.1]], ['blk.0.ffn_down.weight', 0, [5, 6]]], [17, 'calib.txt']), 'x.dat');
    expect(im.format).toBe('legacy');
    expect([...im.weights.get('blk.0.attn_q.weight')!]).toEqual([Math.fround(1 / 3), Math.fround(2 / 3), Math.fround(Math.fround(0.1) / 3)]);
    expect([...im.weights.get('blk.0.ffn_down.weight')!]).toEqual([5, 6]);
    expect(im.chunkCount).toBe(17);
    expect(im.datasets).toEqual(['calib.txt']);
  });

  it('works without the optional trailer', () => {
    const im = parseLegacyImatrix(legacyFile([['a.weight', 1, [2]]]));
    expect(im.chunkCount).toBe(0);
    expect(im.datasets).toEqual([]);
  });

  it('rejects empty and truncated files with a typed error', () => {
    const empty = Buffer.alloc(4);
    expect(() => parseLegacyImatrix(empty)).toThrow(expect.objectContaining({ code: 'QUANT_IMATRIX_FORMAT' }));
    const full = legacyFile([['a.weight', 1, [2, 3, 4]]]);
    expect(() => parseLegacyImatrix(full.subarray(0, full.length - 2))).toThrow(QuantError);
  });
});

describe('GGUF imatrix', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imatrix-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('computes in_sum2 / counts per expert slice, 1 where the count is 0, counts rounded', async () => {
    const p = write('im.gguf', ggufImatrix([
      { name: 'blk.0.attn_q.weight', sums: [3, 6, 9], counts: [3], width: 3 },
      { name: 'blk.0.ffn_down_exps.weight', sums: [1, 2, 3, 4, 5, 6], counts: [2.6, 0, 1.4], width: 2 },
    ]));
    const im = await loadImatrix(p);
    expect(im.format).toBe('gguf');
    expect(im.path).toBe(p);
    expect(im.datasets).toEqual(['wiki.train.raw']);
    expect(im.chunkCount).toBe(42);
    expect([...im.weights.get('blk.0.attn_q.weight')!]).toEqual([1, 2, 3]);
    expect([...im.weights.get('blk.0.ffn_down_exps.weight')!]).toEqual([Math.fround(1 / 3), Math.fround(2 / 3), 1, 1, 5, 6]);
  });

  it('dispatches legacy files by their missing GGUF magic', async () => {
    const im = await loadImatrix(write('im.dat', legacyFile([['a.weight', 2, [4]]])));
    expect(im.format).toBe('legacy');
    expect([...im.weights.get('a.weight')!]).toEqual([2]);
  });

  it('requires the imatrix metadata, paired tensors and F32 data', async () => {
    const one = [{ name: 'a.weight', sums: [1, 2], counts: [1], width: 2 }];
    await expect(loadImatrix(write('nometa.gguf', ggufImatrix(one, false)))).rejects.toMatchObject({ code: 'QUANT_IMATRIX_FORMAT' });
    await expect(loadImatrix(write('i32.gguf', ggufImatrix([{ ...one[0], countType: GGMLType.I32 }])))).rejects.toThrow(/must be F32/);
    const kv = parseGGUF(ggufImatrix(one)).kv;
    const lonely = buildGGUF(kv, [{ name: 'a.weight.in_sum2', dims: [2, 1], type: GGMLType.F32, data: new Uint8Array(8) }]);
    await expect(loadImatrix(write('lonely.gguf', lonely))).rejects.toThrow(/mismatched sums and counts/);
  });
});

describe('quantizeFile with an imatrix', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imatrix-q-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const entry = (name: string, width: number, value: number) => ({ name, sums: Array(width).fill(value), counts: [1], width });

  it('passes each tensor its weights and records the imatrix in the metadata, after general.file_type', async () => {
    const imPath = join(dir, 'im.gguf');
    writeFileSync(imPath, ggufImatrix([entry('blk.0.attn_q.weight', 256, 2), entry('blk.1.ffn_down.weight', 512, 3)]));
    const seen = new Map<string, number | undefined>();
    let current = 0;
    const recording: QuantKernels = {
      async quantize(type, src, nPerRow, opts) {
        seen.set(`${current++}:${type}`, opts.imatrix?.[0]);
        return nativeKernels.quantize(type, src, nPerRow, opts);
      },
      dequantize: nativeKernels.dequantize,
    };
    const out = join(dir, 'out.gguf');
    await quantizeFile(join(GOLDEN, 'micro-f32.gguf'), out, 'Q4_K_M', { imatrix: imPath, kernels: recording, threads: 2 });
    const file = parseGGUF(readFileSync(out));
    expect(file.kv.keys().slice(-6)).toEqual([
      'general.quantization_version',
      'general.file_type',
      'quantize.imatrix.file',
      'quantize.imatrix.dataset',
      'quantize.imatrix.entries_count',
      'quantize.imatrix.chunks_count',
    ]);
    expect(file.kv.getString('quantize.imatrix.file')).toBe(imPath.slice(0, 127));
    expect(file.kv.getString('quantize.imatrix.dataset')).toBe('wiki.train.raw');
    expect(file.kv.getU32('quantize.imatrix.entries_count')).toBe(2);
    expect(file.kv.getU32('quantize.imatrix.chunks_count')).toBe(42);
    // Quantized tensors in file order: output, token_embd, blk.0.attn_k, blk.0.attn_output, blk.0.attn_q (5th) ...
    const weightsByCall = [...seen.values()];
    expect(weightsByCall.filter((w) => w !== undefined)).toEqual([2, 3]);
    expect(weightsByCall[4]).toBe(2);
  });

  it('changes the quantized bytes of the tensors it covers, and only those', async () => {
    const imPath = join(dir, 'im.gguf');
    const skewed = { name: 'blk.0.attn_q.weight', sums: Array.from({ length: 256 }, (_, i) => (i % 7) + 0.01), counts: [1], width: 256 };
    writeFileSync(imPath, ggufImatrix([skewed]));
    const plain = join(dir, 'plain.gguf');
    const withIm = join(dir, 'im-out.gguf');
    await quantizeFile(join(GOLDEN, 'micro-f32.gguf'), plain, 'Q4_K_S', { threads: 2 });
    await quantizeFile(join(GOLDEN, 'micro-f32.gguf'), withIm, 'Q4_K_S', { imatrix: imPath, threads: 2 });
    const a = readFileSync(plain);
    const b = readFileSync(withIm);
    const fa = parseGGUF(a);
    const fb = parseGGUF(b);
    for (const t of fa.tensors) {
      const u = fb.tensorsByName.get(t.name)!;
      const same = a.subarray(t.absoluteOffset, t.absoluteOffset + t.nBytes).equals(b.subarray(u.absoluteOffset, u.absoluteOffset + u.nBytes));
      expect([t.name, same]).toEqual([t.name, t.name !== 'blk.0.attn_q.weight']);
    }
  });

  it('rejects an entry of the wrong width, but tolerates one for token_embd', async () => {
    const bad = join(dir, 'bad.gguf');
    writeFileSync(bad, ggufImatrix([entry('blk.0.attn_q.weight', 128, 1)]));
    await expect(quantizeFile(join(GOLDEN, 'micro-f32.gguf'), join(dir, 'x.gguf'), 'Q8_0', { imatrix: bad })).rejects.toMatchObject({
      code: 'QUANT_IMATRIX_MISMATCH',
    });
    const tolerated = join(dir, 'tok.gguf');
    writeFileSync(tolerated, ggufImatrix([entry('token_embd.weight', 512, 1)]));
    await expect(quantizeFile(join(GOLDEN, 'micro-f32.gguf'), join(dir, 'y.gguf'), 'Q8_0', { imatrix: tolerated })).resolves.toBeDefined();
  });
});
