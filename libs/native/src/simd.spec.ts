// Every SIMD kernel must reproduce its scalar reference exactly. Inputs
// stress rounding: every half-precision value and its midpoints, NaN
// payloads, infinities, subnormals, overflow, and ordinary data at many scales.
import { GGMLType } from './ggml-types';
import { dequantizeSync, quantizeSync } from './convert';
import { cpuFeatures, kernelPath, setKernelPath, type KernelPath } from './cpu';
import { quantizeActivations } from './matmul';
import { gaussian } from './test-utils/random';

// The SIMD tables to check against the scalar one: 'auto', plus 'avx2' where
// 'auto' takes AVX-512 kernels (otherwise the AVX2 ones would go untested here).
const SIMD_PATHS = cpuFeatures().simd === 'avx512' ? (['auto', 'avx2'] as const) : (['auto'] as const);

function withPath<T>(path: KernelPath, fn: () => T): T {
  setKernelPath(path);
  try {
    return fn();
  } finally {
    setKernelPath('auto');
  }
}

function bitsOf(f: Float32Array): Uint32Array {
  return new Uint32Array(f.buffer, f.byteOffset, f.length);
}

function floatsFromBits(bits: number[]): Float32Array {
  return new Float32Array(Uint32Array.from(bits).buffer);
}

// Floats exactly at, just below and just above every F16 rounding midpoint,
// plus the special values; 3 x 65536 + extras, padded to a multiple of 256.
function hardFloats(): Float32Array {
  const halves = new Uint8Array(Uint16Array.from({ length: 65536 }, (_, i) => i).buffer);
  const exact = withPath('scalar', () => dequantizeSync(GGMLType.F16, halves, 65536));
  const bits: number[] = [];
  for (const b of bitsOf(exact)) bits.push(b, (b + 0x1000) >>> 0, (b + 0xfff) >>> 0, (b + 0x1001) >>> 0, (b + 0x8000) >>> 0);
  bits.push(0x7fc00001, 0xffc12345, 0x7f800001, 0xff800001, 0x7f800000, 0xff800000, 0x00000001, 0x80000001);
  bits.push(0x33000000, 0x33000001, 0x32ffffff, 0x477fefff, 0x477ff000, 0x7f7fffff, 0x3f808000, 0x3f818000);
  const g = gaussian(4096, 99);
  for (let s = -30; s <= 30; s += 3) for (const v of g.subarray(0, 64)) bits.push(bitsOf(Float32Array.of(v * 2 ** s))[0]);
  while (bits.length % 256 !== 0) bits.push(0);
  return floatsFromBits(bits);
}

describe('SIMD kernels agree with the scalar reference', () => {
  const x = hardFloats();

  it('the CPU report is consistent with the chosen level', () => {
    const f = cpuFeatures();
    expect(['scalar', 'avx2', 'avx512']).toContain(f.simd);
    if (f.simd === 'avx512') expect(f.avx512f && f.avx2).toBe(true);
    if (f.simd !== 'scalar') expect(f.avx2 && f.f16c && f.fma).toBe(true);
    expect(kernelPath()).toBe('auto');
  });

  it('the avx2 path is selectable exactly where the CPU has AVX2, and bad names are refused', () => {
    const f = cpuFeatures();
    if (f.avx2 && f.f16c && f.fma) {
      expect(withPath('avx2', () => kernelPath())).toBe('avx2');
    } else {
      expect(() => setKernelPath('avx2')).toThrow(expect.objectContaining({ code: 'EUNSUPPORTED' }));
    }
    expect(() => setKernelPath('sse' as KernelPath)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(kernelPath()).toBe('auto');
  });

  it.each([
    ['F16', GGMLType.F16],
    ['BF16', GGMLType.BF16],
  ])('%s: conversion of hard values gives identical bytes', (_name, type) => {
    const scalar = withPath('scalar', () => quantizeSync(type, x, 256));
    for (const path of SIMD_PATHS) {
      expect(withPath(path, () => quantizeSync(type, x, 256)).equals(scalar)).toBe(true);
      // Lengths that leave a scalar tail after the vector loop.
      for (const n of [1, 7, 15, 17, 33]) {
        const part = x.subarray(1000, 1000 + n);
        expect(withPath(path, () => quantizeSync(type, part, n)).equals(withPath('scalar', () => quantizeSync(type, part, n)))).toBe(true);
      }
    }
  });

  it.each([
    ['F16', GGMLType.F16],
    ['BF16', GGMLType.BF16],
  ])('%s: every 16-bit pattern decodes to the same float bits', (_name, type) => {
    const all = new Uint8Array(Uint16Array.from({ length: 65536 }, (_, i) => i).buffer);
    const scalar = withPath('scalar', () => dequantizeSync(type, all, 65536));
    for (const path of SIMD_PATHS) {
      const simd = withPath(path, () => dequantizeSync(type, all, 65536));
      expect(Buffer.from(bitsOf(simd).buffer).equals(Buffer.from(bitsOf(scalar).buffer))).toBe(true);
    }
  });

  it('F16 conversion follows the reference on known edge values', () => {
    const cases: [number, number][] = [
      [0x477fefff, 0x7bff], // just below 65520: largest finite half
      [0x477ff000, 0x7c00], // 65520 rounds to infinity
      [0x7fc00001, 0x7e00], // NaN payloads are not kept
      [0xffc12345, 0xfe00],
      [0x33000000, 0x0000], // 2^-25: a tie, rounds to even (zero)
      [0x33000001, 0x0001], // just above: smallest subnormal
      [0x3f801000, 0x3c00], // 1 + 2^-11: a tie, rounds to even (1.0)
      [0x3f803000, 0x3c02], // 1 + 3 * 2^-11: a tie, rounds up to even
    ];
    for (const path of ['scalar', 'auto'] as const) {
      const input = floatsFromBits(cases.map(([f]) => f));
      const out = withPath(path, () => quantizeSync(GGMLType.F16, input, input.length));
      expect([...new Uint16Array(out.buffer, out.byteOffset, cases.length)]).toEqual(cases.map(([, h]) => h));
    }
  });

  it('BF16 conversion rounds to nearest even and quiets NaN', () => {
    const input = floatsFromBits([0x3f808000, 0x3f818000, 0x3f808001, 0x7f800001, 0xff800000]);
    for (const path of ['scalar', 'auto'] as const) {
      const out = withPath(path, () => quantizeSync(GGMLType.BF16, input, input.length));
      expect([...new Uint16Array(out.buffer, out.byteOffset, 5)]).toEqual([0x3f80, 0x3f82, 0x3f81, 0x7fc0, 0xff80]);
    }
  });

  it.each([GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1, GGMLType.Q8_0, GGMLType.IQ4_NL, GGMLType.IQ4_XS])(
    'type %i: quantize and dequantize agree across paths',
    (type) => {
      const data = gaussian(256 * 64, 21, 0.05);
      const scalar = withPath('scalar', () => quantizeSync(type, data, 256));
      const back = withPath('scalar', () => dequantizeSync(type, scalar, data.length));
      for (const path of SIMD_PATHS) {
        expect(withPath(path, () => quantizeSync(type, data, 256)).equals(scalar)).toBe(true);
        const backSimd = withPath(path, () => dequantizeSync(type, scalar, data.length));
        expect(Buffer.from(backSimd.buffer).equals(Buffer.from(back.buffer))).toBe(true);
      }
    },
  );

  it.each([GGMLType.IQ4_NL, GGMLType.IQ4_XS])('type %i: the codebook search agrees on NaN, infinities and extremes', (type) => {
    const data = gaussian(256 * 16, 23);
    const specials = [NaN, Infinity, -Infinity, 3e38, -3e38, 1e-30, -0, 0, 1e-45];
    for (let i = 0; i < data.length; i += 37) data[i] = specials[(i / 37) % specials.length | 0];
    for (let i = 0; i < 32; i++) data[512 + i] = 0; // an all-zero block
    const imatrix = Float32Array.from({ length: 256 }, (_, i) => (i % 50 === 0 ? 0 : 1 + (i % 7)));
    for (const weights of [undefined, imatrix]) {
      const scalar = withPath('scalar', () => quantizeSync(type, data, 256, { imatrix: weights }));
      for (const path of SIMD_PATHS) expect(withPath(path, () => quantizeSync(type, data, 256, { imatrix: weights })).equals(scalar)).toBe(true);
    }
  });

  it.each([
    ['Q4_0', GGMLType.Q4_0],
    ['Q5_0', GGMLType.Q5_0],
  ])('%s: hard values, ties for the largest magnitude, signed zeros and level boundaries agree across paths', (_name, type) => {
    for (const path of SIMD_PATHS) {
      expect(withPath(path, () => quantizeSync(type, x, 256)).equals(withPath('scalar', () => quantizeSync(type, x, 256)))).toBe(true);
    }
    const blocks: number[][] = [
      Array.from({ length: 32 }, (_, i) => (i === 3 ? -2 : i === 9 ? 2 : 0.1 * i)), // -max first
      Array.from({ length: 32 }, (_, i) => (i === 3 ? 2 : i === 9 ? -2 : 0.1 * i)), // +max first
      Array.from({ length: 32 }, (_, i) => (i % 2 ? -0 : 0)), // zeros of both signs
      Array(32).fill(-0),
      Array.from({ length: 32 }, (_, i) => ((i % 17) - 8) / 8), // every level boundary of Q4_0 exactly
      Array.from({ length: 32 }, (_, i) => (i - 16) / 16), // and of Q5_0
      Array.from({ length: 32 }, (_, i) => (i === 0 ? 1e-40 : 0)), // the inverse scale overflows
      Array.from({ length: 32 }, (_, i) => (i === 5 ? NaN : i)),
      Array.from({ length: 32 }, (_, i) => (i === 7 ? -Infinity : i)),
      Array.from({ length: 32 }, (_, i) => (i === 1 ? 3e38 : -3e38 * (i % 2))),
    ];
    const data = Float32Array.from(blocks.flat());
    const weights = Float32Array.from({ length: 32 }, (_, i) => 1 + (i % 5));
    for (const imatrix of [undefined, weights]) {
      const scalar = withPath('scalar', () => quantizeSync(type, data, 32, { imatrix }));
      for (const path of SIMD_PATHS) expect(withPath(path, () => quantizeSync(type, data, 32, { imatrix })).equals(scalar)).toBe(true);
    }
  });

  it.each([
    ['Q2_K', GGMLType.Q2_K],
    ['Q3_K', GGMLType.Q3_K],
    ['Q4_K', GGMLType.Q4_K],
    ['Q5_K', GGMLType.Q5_K],
    ['Q6_K', GGMLType.Q6_K],
  ])('%s: gaussian data at several scales, hard values and importance weights agree across paths', (_name, type) => {
    const data = new Float32Array(256 * 48);
    for (let s = 0; s < 6; s++) data.set(gaussian(256 * 8, 31 + s, 10 ** (s - 3)), 256 * 8 * s);
    data.fill(0, 256 * 2, 256 * 2 + 40); // a zero sub-block and a half-zero one
    const imatrix = Float32Array.from({ length: 256 }, (_, i) => (i % 37 === 0 ? 0 : 0.5 + (i % 11)));
    const nanWeights = imatrix.map((w, i) => (i === 77 ? NaN : w));
    for (const input of [data, x]) {
      for (const weights of [undefined, imatrix, nanWeights]) {
        const scalar = withPath('scalar', () => quantizeSync(type, input, 256, { imatrix: weights }));
        for (const path of SIMD_PATHS) expect(withPath(path, () => quantizeSync(type, input, 256, { imatrix: weights })).equals(scalar)).toBe(true);
      }
    }
  });

  it('Q8_0 rounds halves away from zero on both paths, and agrees on NaN and infinity blocks', () => {
    // With max |x| = 127 the scale is exactly 1, so x * id = x and every .5 is a tie.
    const ties = [127, -126.5, -0.5, 0.5, 1.5, 2.5, -2.5, 0.49999997, -3.5, 100.5];
    const block = Float32Array.from({ length: 32 }, (_, i) => ties[i] ?? (i % 3) - 1);
    const expected = [127, -127, -1, 1, 2, 3, -3, 0, -4, 101];
    const data = new Float32Array(32 * 5);
    data.set(block, 0);
    data.set(gaussian(32, 41), 32);
    data[32 + 5] = NaN;
    data.set(gaussian(32, 43), 64);
    data[64 + 9] = -Infinity;
    data.set(gaussian(32, 47, 1e-30), 96);
    data.set(gaussian(32, 53, 1e-38), 128); // the inverse scale overflows to infinity
    data[128 + 3] = 0;
    for (const path of ['scalar', 'auto'] as const) {
      const q = withPath(path, () => quantizeSync(GGMLType.Q8_0, block, 32));
      expect([...new Int8Array(q.buffer, q.byteOffset + 2, 10)]).toEqual(expected);
    }
    const scalar = withPath('scalar', () => quantizeSync(GGMLType.Q8_0, data, 32));
    expect(quantizeSync(GGMLType.Q8_0, data, 32).equals(scalar)).toBe(true);
  });

  it.each([
    ['Q8_0 (Q4_0 weights)', GGMLType.Q4_0, 32],
    ['Q8_1 (Q4_1 weights)', GGMLType.Q4_1, 32],
    ['Q8_K (Q6_K weights)', GGMLType.Q6_K, 256],
  ])('activation quantization to %s writes the same bytes on every path', (_name, type, block) => {
    // Ordinary rows at many scales, then blocks built to hit the edges: ties
    // for the largest magnitude (either sign first), exact halves after
    // scaling, signed zeros, an overflowing inverse scale, NaN, infinities.
    const special: number[][] = [
      Array.from({ length: block }, (_, i) => (i === 3 ? -2 : i === 9 ? 2 : 0.1 * i)),
      Array.from({ length: block }, (_, i) => (i === 3 ? 2 : i === 9 ? -2 : 0.1 * i)),
      Array.from({ length: block }, (_, i) => (i === 0 ? 127 : (i % 9) - 4 + 0.5)),
      Array.from({ length: block }, (_, i) => (i % 2 ? -0 : 0)),
      Array.from({ length: block }, (_, i) => (i === 0 ? 1e-40 : 0)),
      Array.from({ length: block }, (_, i) => (i === 2 ? -1e-42 : i === 5 ? 1e-43 : 0)),
      Array.from({ length: block }, (_, i) => (i === 5 ? NaN : i)),
      Array.from({ length: block }, (_, i) => (i === 7 ? -Infinity : i)),
      Array.from({ length: block }, (_, i) => (i === 1 ? 3e38 : -3e38 * (i % 2))),
    ];
    const g = gaussian(block * 64, 41);
    for (let i = 0; i < g.length; i++) g[i] *= 2 ** ((Math.floor(i / block) % 40) - 20);
    const data = Float32Array.from([...special.flat(), ...g]);
    const scalar = withPath('scalar', () => quantizeActivations(type, data, block));
    for (const path of SIMD_PATHS) expect(withPath(path, () => quantizeActivations(type, data, block)).equals(scalar)).toBe(true);
    // and a whole row, as the forward pass quantizes it
    const row = data.subarray(0, block * 8);
    expect(withPath('auto', () => quantizeActivations(type, row, row.length)).equals(withPath('scalar', () => quantizeActivations(type, row, row.length)))).toBe(true);
  });
});
