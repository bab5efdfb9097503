// The SIMD kernels that reproduce the reference's rounding must give exactly
// the bits of their scalar twins (which are written to the reference's
// documented operation order).

import { GGMLType, bestMatmulPath, matmul, packedWeightsBytes, quantizeActivations, quantizeSync } from '@tessera/native';
import { loadNativeAddon } from './native-addon';

describe('reference-order attention and SwiGLU kernels', () => {
  it.each([1, 2, 3])('SIMD and scalar agree bit for bit (seed %i)', (seed) => {
    const r = loadNativeAddon().compareRefKernels(seed);
    expect({ dot: r.dot, scaleHalf: r.scaleHalf, madHalf: r.madHalf, swiglu: r.swiglu, rope: r.rope, flashHalf: r.flashHalf }).toEqual({
      dot: 0,
      scaleHalf: 0,
      madHalf: 0,
      swiglu: 0,
      rope: 0,
      flashHalf: 0,
    });
  });
});

// The reference sums a Q8_0 / Q5_0 / Q6_K dot in 8 float lanes per row (its
// vec-dot, and its sgemm for the 32-element types). The AVX2 vec-dot follows that order by construction;
// the packed AVX-512 kernels compute 8 rows at once and must land on the
// same bits, or the golden comparisons drift by whole activation roundings.
describe('reference-order weight matmuls', () => {
  const rows = 64;
  const cols = 512;
  const wave = (n: number, a: number, b: number): Float32Array =>
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * a) * 0.05 + Math.cos(i * b) * 0.02);

  // 7 tokens: passes of 4 and 3, every split the many-token kernels make;
  // 1 token: the decode kernels, which start lanes at prepared offsets.
  it.each([
    ['Q8_0', 7],
    ['Q5_0', 7],
    ['Q6_K', 7],
    ['Q8_0', 1],
    ['Q5_0', 1],
    ['Q6_K', 1],
  ])('packed %s equals the per-row vec-dot bit for bit (%i tokens)', (name, tokens) => {
    const type = GGMLType[name as keyof typeof GGMLType];
    if (bestMatmulPath() !== 'avx512' || packedWeightsBytes(type, rows, cols) === 0) {
      // Without AVX-512 there is no packed kernel: the vec-dot is all there is.
      expect(packedWeightsBytes(type, rows, cols)).toBe(0);
      return;
    }
    const weights = quantizeSync(type, wave(rows * cols, 0.37, 1.3), cols, { threads: 1 });
    const xq = quantizeActivations(type, wave(tokens * cols, 0.11, 0.7), cols);
    const args = { type, weights, rows, cols, xq, nTokens: tokens };
    const vecDot = matmul({ ...args, path: 'avx2' });
    const packed = matmul({ ...args, path: 'auto', packed: true });
    expect(Array.from(packed)).toEqual(Array.from(vecDot));
    expect(vecDot.some((v) => v !== 0)).toBe(true);
  });
});
