// Caller-provided output buffers and quantizeFrom (packed rows decoded chunk
// by chunk on the native threads): the same bytes as the allocating,
// two-step path, written where the caller asked, and bad buffers refused.
import { GGMLType, typeTraits } from './ggml-types';
import { dequantize, dequantizeSync, quantize, quantizeFrom, quantizeSync } from './convert';
import { NativeError } from './native-error';
import { gaussian, importance } from './test-utils/random';

const SENTINEL = 0xab;
const bytesOf = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const sentinelBuffer = (n: number) => Buffer.alloc(n, SENTINEL);

async function expectCode(p: Promise<unknown> | (() => unknown), code: string, message?: RegExp): Promise<void> {
  const run = typeof p === 'function' ? Promise.resolve().then(p) : p;
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NativeError);
  expect((err as NativeError).code).toBe(code);
  if (message) expect((err as NativeError).message).toMatch(message);
}

describe('quantize and dequantize into a caller buffer', () => {
  const x = gaussian(256 * 40, 3);

  it.each(['Q4_0', 'Q8_0', 'Q4_K', 'F16'] as const)('quantize %s writes the result at the start of out and leaves the rest alone', async (name) => {
    const type = GGMLType[name];
    const expected = quantizeSync(type, x, 256);
    const out = sentinelBuffer(expected.length + 64);
    const got = await quantize(type, x, 256, { out, threads: 2 });
    expect(got.buffer).toBe(out.buffer);
    expect(got.byteOffset).toBe(out.byteOffset);
    expect(got.length).toBe(expected.length);
    expect(got.equals(expected)).toBe(true);
    expect(out.subarray(expected.length).every((b) => b === SENTINEL)).toBe(true);
    const outSync = sentinelBuffer(expected.length);
    expect(quantizeSync(type, x, 256, { out: outSync }).equals(expected)).toBe(true);
    expect(outSync.equals(expected)).toBe(true);
  });

  it('dequantize writes the values into out and returns a view of exactly nElements', async () => {
    const q = quantizeSync(GGMLType.Q6_K, x, 256);
    const expected = dequantizeSync(GGMLType.Q6_K, q, x.length);
    const out = new Float32Array(x.length + 8).fill(7);
    const got = await dequantize(GGMLType.Q6_K, q, x.length, { out, threads: 2 });
    expect(got.buffer).toBe(out.buffer);
    expect(got.length).toBe(x.length);
    expect(bytesOf(got).equals(bytesOf(expected))).toBe(true);
    expect(Array.from(out.subarray(x.length))).toEqual(Array(8).fill(7));
    const outSync = new Float32Array(x.length);
    expect(bytesOf(dequantizeSync(GGMLType.Q6_K, q, x.length, { out: outSync })).equals(bytesOf(expected))).toBe(true);
  });

  it('refuses an out that is too small, of the wrong kind, overlapping src or detached', async () => {
    const need = quantizeSync(GGMLType.Q8_0, x, 256).length;
    await expectCode(quantize(GGMLType.Q8_0, x, 256, { out: Buffer.alloc(need - 1) }), 'EINVAL', new RegExp(`needs ${need}`));
    await expectCode(quantize(GGMLType.Q8_0, x, 256, { out: new Float32Array(need) as unknown as Uint8Array }), 'EINVAL', /Uint8Array/);
    await expectCode(dequantize(GGMLType.Q8_0, Buffer.alloc(34), 32, { out: new Uint8Array(128) as unknown as Float32Array }), 'EINVAL', /Float32Array/);
    const overlapping = new Uint8Array(x.buffer, x.byteOffset + 64, need);
    await expectCode(quantize(GGMLType.Q8_0, x, 256, { out: overlapping }), 'EINVAL', /overlaps src/);
    const detached = new Uint8Array(need);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    await expectCode(() => quantizeSync(GGMLType.Q8_0, x, 256, { out: detached }), 'EINVAL', /detached/);
  });

  it('the addon itself refuses bad out arrays', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const raw = require('./addon').loadAddon();
    const src = new Float32Array(64);
    expect(() => raw.quantizeSync(GGMLType.Q8_0, src, 32, undefined, 1, new Uint8Array(67))).toThrow(/needs 68/);
    expect(() => raw.quantizeSync(GGMLType.Q8_0, src, 32, undefined, 1, new Float32Array(68))).toThrow(/out must be/);
    expect(() => raw.quantizeSync(GGMLType.Q8_0, src, 32, undefined, 1, new Uint8Array(src.buffer))).toThrow(/shares memory/);
    const detached = new Uint8Array(68);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(() => raw.quantizeSync(GGMLType.Q8_0, src, 32, undefined, 1, detached)).toThrow(/detached/);
    expect(() => raw.dequantizeSync(GGMLType.Q8_0, new Uint8Array(34), 32, 1, new Float32Array(31))).toThrow(/needs 128/);
  });
});

describe('quantizeFrom', () => {
  // 300 rows of 256: several decode chunks per thread, and a last partial one.
  const nPerRow = 256;
  const x = gaussian(nPerRow * 300, 11);
  const weights = importance(nPerRow, 5);

  // The two-step path it must match byte for byte.
  const twoStep = (from: GGMLType, to: GGMLType, src: Uint8Array, imatrix?: Float32Array) =>
    quantizeSync(to, dequantizeSync(from, src, (src.length / typeTraits(from).typeSize) * typeTraits(from).blockSize), nPerRow, { imatrix });

  it.each([
    ['F16', 'Q4_0'],
    ['F16', 'Q8_0'],
    ['F16', 'Q4_K'],
    ['F16', 'IQ4_XS'],
    ['BF16', 'Q5_K'],
    ['Q8_0', 'Q4_0'],
    ['Q6_K', 'Q3_K'],
    ['F32', 'Q2_K'],
  ] as const)('%s -> %s gives the bytes of dequantize then quantize, for any thread count', async (fromName, toName) => {
    const from = GGMLType[fromName];
    const to = GGMLType[toName];
    const src = from === GGMLType.F32 ? bytesOf(x) : quantizeSync(from, x, nPerRow);
    const imatrix = to === GGMLType.Q8_0 ? undefined : weights;
    const expected = twoStep(from, to, src, imatrix);
    for (const threads of [1, 3]) {
      expect((await quantizeFrom(from, to, src, nPerRow, { threads, imatrix })).equals(expected)).toBe(true);
    }
    const out = sentinelBuffer(expected.length + 5);
    const got = await quantizeFrom(from, to, src, nPerRow, { threads: 2, imatrix, out });
    expect(got.buffer).toBe(out.buffer);
    expect(got.equals(expected)).toBe(true);
    expect(out.subarray(expected.length).every((b) => b === SENTINEL)).toBe(true);
  });

  it('reads a source at an odd address', async () => {
    const half = quantizeSync(GGMLType.F16, x, nPerRow);
    const odd = Buffer.alloc(half.length + 1);
    half.copy(odd, 1);
    const src = odd.subarray(1);
    expect(src.byteOffset % 2).toBe(1);
    expect((await quantizeFrom(GGMLType.F16, GGMLType.Q4_0, src, nPerRow, { threads: 2 })).equals(twoStep(GGMLType.F16, GGMLType.Q4_0, half))).toBe(true);
  });

  it('refuses rows that do not fit either type, partial rows and types without kernels', async () => {
    const half = quantizeSync(GGMLType.F16, x.subarray(0, 512), 512);
    await expectCode(quantizeFrom(GGMLType.F16, GGMLType.Q4_K, half, 96), 'EINVAL', /block size 256/);
    await expectCode(quantizeFrom(GGMLType.Q8_0, GGMLType.F16, new Uint8Array(34 * 3), 48), 'EINVAL', /block size 32/);
    await expectCode(quantizeFrom(GGMLType.F16, GGMLType.Q8_0, half.subarray(0, 100), 64), 'EINVAL', /whole number/);
    await expectCode(quantizeFrom(GGMLType.IQ2_XXS, GGMLType.Q8_0, new Uint8Array(66), 256), 'EUNSUPPORTED');
    await expectCode(quantizeFrom(GGMLType.F16, GGMLType.Q8_0, half, 512, { out: Buffer.alloc(10) }), 'EINVAL', /needs 544/);
    await expectCode(quantizeFrom(GGMLType.F16, GGMLType.Q8_0, half, 512, { out: half }), 'EINVAL', /overlaps src/);
  });

  it('the addon itself refuses partial rows and a bad out', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const raw = require('./addon').loadAddon();
    expect(() => raw.quantizeFrom(GGMLType.F16, GGMLType.Q8_0, new Uint8Array(65), 32, undefined, 1, undefined, undefined)).toThrow(/whole number/);
    expect(() => raw.quantizeFrom(GGMLType.F16, GGMLType.Q8_0, new Uint8Array(64), 32, undefined, 1, new Uint8Array(33), undefined)).toThrow(/needs 34/);
  });

  it('rejects with EABORT when the signal has fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectCode(quantizeFrom(GGMLType.F16, GGMLType.Q8_0, new Uint8Array(64), 32, { signal: controller.signal }), 'EABORT');
  });
});
