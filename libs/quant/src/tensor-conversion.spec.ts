import { GGMLType, dequantizeSync, quantizeSync } from '@tessera/native';
import { QuantKernels, nativeKernels } from './kernels';
import { convertTensor } from './tensor-conversion';

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

describe('convertTensor', () => {
  it('quantizes a 3-D expert tensor one expert at a time with its own imatrix slice', async () => {
    const dims = [64, 2, 3];
    const src = values(64 * 2 * 3);
    const imatrix = Float32Array.from({ length: 64 * 3 }, (_, i) => 1 + Math.floor(i / 64) + (i % 3));
    const calls: Array<{ type: GGMLType; n: number; w0?: number }> = [];
    const t = { name: 'blk.0.ffn_down_exps.weight', dims, fromType: GGMLType.F32, toType: GGMLType.Q4_0, quantizable: true };
    const out = await convertTensor(t, bytesOf(src), { kernels: recording(calls), threads: 1, imatrix });
    expect(calls.map((c) => [c.n, c.w0])).toEqual([
      [128, imatrix[0]],
      [128, imatrix[64]],
      [128, imatrix[128]],
    ]);
    const expected = Buffer.concat(
      [0, 1, 2].map((e) => quantizeSync(GGMLType.Q4_0, src.subarray(e * 128, (e + 1) * 128), 64, { imatrix: imatrix.subarray(e * 64, (e + 1) * 64) })),
    );
    expect(Buffer.from(out).equals(expected)).toBe(true);
  });

  it('quantizes in one call without an imatrix, and ignores the imatrix for types that do not use it', async () => {
    const calls: Array<{ type: GGMLType; n: number; w0?: number }> = [];
    const src = values(64 * 6);
    const t = { name: 'x.weight', dims: [64, 2, 3], fromType: GGMLType.F32, toType: GGMLType.Q8_0, quantizable: true };
    const out = await convertTensor(t, bytesOf(src), { kernels: recording(calls), threads: 2, imatrix: new Float32Array(64 * 3).fill(2) });
    expect(calls).toEqual([{ type: GGMLType.Q8_0, n: 384, w0: undefined }]);
    expect(Buffer.from(out).equals(quantizeSync(GGMLType.Q8_0, src, 64))).toBe(true);
  });

  it('widens F16 exactly before quantizing, and copies unchanged types', async () => {
    const src = values(256);
    const half = quantizeSync(GGMLType.F16, src, 256);
    const fromAddon = dequantizeSync(GGMLType.F16, half, 256);
    const widened = new Float32Array(fromAddon.buffer, fromAddon.byteOffset, fromAddon.length); // a view in the test's realm
    const t = { name: 'x.weight', dims: [256, 1], fromType: GGMLType.F16, toType: GGMLType.Q6_K, quantizable: true };
    const out = await convertTensor(t, half, { kernels: nativeKernels, threads: 1 });
    expect(Buffer.from(out).equals(quantizeSync(GGMLType.Q6_K, widened, 256))).toBe(true);
    const same = { ...t, toType: GGMLType.F16 };
    expect(await convertTensor(same, half, { kernels: nativeKernels, threads: 1 })).toBe(half);
    const toF32 = { ...t, toType: GGMLType.F32 };
    expect(new Float32Array((await convertTensor(toF32, half, { kernels: nativeKernels, threads: 1 })).slice().buffer)).toEqual(widened);
  });
});
