import { GGMLType, dequantizeSync, quantizeSync } from '@tessera/native';
import { QuantKernels, nativeKernels } from './kernels';
import { convertRows } from './tensor-conversion';

function recording(calls: Array<{ type: GGMLType; n: number; w0?: number }>): QuantKernels {
  return {
    async quantize(type, src, nPerRow, opts) {
      calls.push({ type, n: src.length, w0: opts.imatrix?.[0] });
      return nativeKernels.quantize(type, src, nPerRow, opts);
    },
    dequantize: nativeKernels.dequantize,
  };
}
const values = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 5)));
const bytesOf = (f: Float32Array) => new Uint8Array(f.buffer, f.byteOffset, f.byteLength);

describe('convertRows', () => {
  it('passes the importance weights to types that use them, in one call for all rows', async () => {
    const src = values(64 * 4);
    const imatrix = Float32Array.from({ length: 64 }, (_, i) => 1 + (i % 3));
    const calls: Array<{ type: GGMLType; n: number; w0?: number }> = [];
    const t = { name: 'blk.0.ffn_down.weight', dims: [64, 4], fromType: GGMLType.F32, toType: GGMLType.Q4_0, quantizable: true };
    const out = await convertRows(t, bytesOf(src), 4, { kernels: recording(calls), threads: 1, imatrix });
    expect(calls).toEqual([{ type: GGMLType.Q4_0, n: 256, w0: imatrix[0] }]);
    expect(Buffer.from(out).equals(quantizeSync(GGMLType.Q4_0, src, 64, { imatrix }))).toBe(true);
    expect(Buffer.from(out).equals(quantizeSync(GGMLType.Q4_0, src, 64))).toBe(false);
  });

  it('ignores the importance weights for types that do not use them', async () => {
    const calls: Array<{ type: GGMLType; n: number; w0?: number }> = [];
    const src = values(64 * 6);
    const t = { name: 'x.weight', dims: [64, 2, 3], fromType: GGMLType.F32, toType: GGMLType.Q8_0, quantizable: true };
    const out = await convertRows(t, bytesOf(src), 6, { kernels: recording(calls), threads: 2, imatrix: new Float32Array(64).fill(2) });
    expect(calls).toEqual([{ type: GGMLType.Q8_0, n: 384, w0: undefined }]);
    expect(Buffer.from(out).equals(quantizeSync(GGMLType.Q8_0, src, 64))).toBe(true);
  });

  it('converts only the rows given, from the start of the bytes', async () => {
    const src = values(32 * 8);
    const t = { name: 'x.weight', dims: [32, 8], fromType: GGMLType.F32, toType: GGMLType.Q8_0, quantizable: true };
    const rows = src.subarray(32 * 5, 32 * 8);
    const out = await convertRows(t, bytesOf(rows), 3, { kernels: nativeKernels, threads: 1 });
    expect(Buffer.from(out).equals(quantizeSync(GGMLType.Q8_0, src, 32).subarray(34 * 5))).toBe(true);
  });

  it('widens F16 exactly before quantizing, and returns unchanged types as they are', async () => {
    const src = values(256);
    const half = quantizeSync(GGMLType.F16, src, 256);
    const widened = dequantizeSync(GGMLType.F16, half, 256);
    const t = { name: 'x.weight', dims: [256, 1], fromType: GGMLType.F16, toType: GGMLType.Q6_K, quantizable: true };
    const out = await convertRows(t, half, 1, { kernels: nativeKernels, threads: 1 });
    expect(Buffer.from(out).equals(quantizeSync(GGMLType.Q6_K, widened, 256))).toBe(true);
    const same = { ...t, toType: GGMLType.F16 };
    expect(await convertRows(same, half, 1, { kernels: nativeKernels, threads: 1 })).toBe(half);
    const toF32 = { ...t, toType: GGMLType.F32 };
    expect(Buffer.from(await convertRows(toF32, half, 1, { kernels: nativeKernels, threads: 1 })).equals(Buffer.from(widened.buffer, widened.byteOffset, widened.byteLength))).toBe(true);
  });
});

describe('kernels and arrays from another realm', () => {
  // Jest runs tests in a vm context while the addon makes its arrays in the main realm; the
  // pipeline hands the addon's F32 output straight back to the quantizer, so the kernels must
  // accept typed arrays of any realm (and still refuse look-alikes).
  const { runInNewContext } = jest.requireActual<typeof import('node:vm')>('node:vm');

  it('quantizes a Float32Array and dequantizes a Uint8Array made in another realm', async () => {
    const src = values(64);
    const foreign = runInNewContext('new Float32Array(64)') as Float32Array;
    foreign.set(src);
    expect(foreign instanceof Float32Array).toBe(false);
    const q = await nativeKernels.quantize(GGMLType.Q8_0, foreign, 64, { threads: 1 });
    expect(Buffer.from(q).equals(quantizeSync(GGMLType.Q8_0, src, 64))).toBe(true);
    const bytes = runInNewContext('new Uint8Array(68)') as Uint8Array;
    bytes.set(q);
    expect(Array.from(await nativeKernels.dequantize(GGMLType.Q8_0, bytes, 64, { threads: 1 }))).toEqual(Array.from(dequantizeSync(GGMLType.Q8_0, q, 64)));
  });

  it('refuses objects that only claim to be typed arrays', async () => {
    const fake = new DataView(new ArrayBuffer(256));
    Object.defineProperty(fake, Symbol.toStringTag, { value: 'Float32Array' });
    await expect(nativeKernels.quantize(GGMLType.Q8_0, fake as unknown as Float32Array, 64, { threads: 1 })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
