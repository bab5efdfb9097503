// The slice stream's memory contract: converted slices are written into a few
// pooled output buffers handed to the kernels, never fresh memory per slice,
// and packed inputs go through the kernels' one-call path when they have it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLType, quantizeSync } from '@tessera/native';
import { QuantKernels, QuantizeCallOptions, nativeKernels } from './kernels';
import { quantizeFile } from './quantize-file';
import { SliceStream } from './slice-stream';

const GOLDEN = process.env.TESSERA_GOLDEN_DIR ?? '/work/shared/golden/micro';

// The plain path to compare with: separate dequantize and quantize calls, each into fresh memory.
const twoStepKernels: QuantKernels = {
  quantize: (type, src, nPerRow, opts) => nativeKernels.quantize(type, src, nPerRow, { ...opts, out: undefined }),
  dequantize: (type, bytes, n, opts) => nativeKernels.dequantize(type, bytes, n, { ...opts, out: undefined }),
};

interface Seen {
  calls: string[];
  outs: Set<ArrayBufferLike>;
  withoutOut: number;
}

// The native kernels, recording which entry point ran and where it was told to write.
function recording(seen: Seen): QuantKernels {
  const note = (name: string, type: GGMLType, out: ArrayBufferView | undefined) => {
    seen.calls.push(`${name}:${GGMLType[type]}`);
    if (out) seen.outs.add(out.buffer);
    else seen.withoutOut++;
  };
  return {
    quantize: (type, src, nPerRow, opts: QuantizeCallOptions) => (note('quantize', type, opts.out), nativeKernels.quantize(type, src, nPerRow, opts)),
    dequantize: (type, bytes, n, opts) => (note('dequantize', type, opts.out), nativeKernels.dequantize(type, bytes, n, opts)),
    quantizeFrom: (from, type, bytes, nPerRow, opts) => (note('quantizeFrom', type, opts.out), nativeKernels.quantizeFrom!(from, type, bytes, nPerRow, opts)),
  };
}

describe('slice stream buffers', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'slices-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['micro-f32.gguf', 'Q8_0', 'quantize:Q8_0'],
    ['micro-F16.gguf', 'Q8_0', 'quantizeFrom:Q8_0'],
  ])('%s -> %s: every slice is converted into one of three pooled buffers, giving the two-step bytes', async (input, preset, call) => {
    const seen: Seen = { calls: [], outs: new Set(), withoutOut: 0 };
    const out = join(dir, 'out.gguf');
    // Small slices, so that many more slices than pool buffers pass through.
    await quantizeFile(join(GOLDEN, input), out, preset, { kernels: recording(seen), threads: 2, sliceBytes: 4096 });
    expect(seen.calls.length).toBeGreaterThan(20);
    expect(new Set(seen.calls)).toEqual(new Set([call]));
    expect(seen.withoutOut).toBe(0);
    expect(seen.outs.size).toBeLessThanOrEqual(3);
    const plain = join(dir, 'plain.gguf');
    await quantizeFile(join(GOLDEN, input), plain, preset, { kernels: twoStepKernels, threads: 1 });
    expect(readFileSync(out).equals(readFileSync(plain))).toBe(true);
  });

  it('F16 -> F32 decodes into pooled buffers too', async () => {
    const seen: Seen = { calls: [], outs: new Set(), withoutOut: 0 };
    const out = join(dir, 'f32.gguf');
    await quantizeFile(join(GOLDEN, 'micro-F16.gguf'), out, 'F32', { kernels: recording(seen), threads: 1, sliceBytes: 4096 });
    expect(new Set(seen.calls)).toEqual(new Set(['dequantize:F16']));
    expect(seen.withoutOut).toBe(0);
    expect(seen.outs.size).toBeLessThanOrEqual(3);
  });
});

describe('SliceStream.prefetch', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'prefetch-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('converts the first slice before it is asked for, and only once', async () => {
    const values = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
    const path = join(dir, 'rows.bin');
    writeFileSync(path, new Uint8Array(values.buffer));
    const tensor = { name: 'w', dims: [32, 2], fromType: GGMLType.F32, toType: GGMLType.Q8_0, quantizable: true };
    const slices = [
      { tensor, offset: 0, nBytes: 128, firstElement: 0, nRows: 1, expert: 0, last: false },
      { tensor, offset: 128, nBytes: 128, firstElement: 32, nRows: 1, expert: 0, last: true },
    ];
    const seen: Seen = { calls: [], outs: new Set(), withoutOut: 0 };
    const file = await open(path, 'r');
    try {
      const stream = new SliceStream(file, slices, { kernels: recording(seen), threads: 1, weights: new Map() });
      stream.prefetch();
      for (let i = 0; i < 200 && seen.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(seen.calls).toEqual(['quantize:Q8_0']);
      const first = await stream.next();
      expect(Buffer.from(first.bytes).equals(quantizeSync(GGMLType.Q8_0, values.subarray(0, 32), 32))).toBe(true);
      first.done();
      const second = await stream.next();
      expect(Buffer.from(second.bytes).equals(quantizeSync(GGMLType.Q8_0, values.subarray(32), 32))).toBe(true);
      second.done();
      expect(seen.calls).toEqual(['quantize:Q8_0', 'quantize:Q8_0']);
      await stream.settle();
    } finally {
      await file.close();
    }
  });
});
