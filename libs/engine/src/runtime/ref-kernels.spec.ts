// The SIMD kernels that reproduce the reference's rounding must give exactly
// the bits of their scalar twins (which are written to the reference's
// documented operation order).

import { loadNativeAddon } from './native-addon';

describe('reference-order attention and SwiGLU kernels', () => {
  it.each([1, 2, 3])('SIMD and scalar agree bit for bit (seed %i)', (seed) => {
    const r = loadNativeAddon().compareRefKernels(seed);
    expect({ dot: r.dot, scaleHalf: r.scaleHalf, madHalf: r.madHalf, swiglu: r.swiglu }).toEqual({ dot: 0, scaleHalf: 0, madHalf: 0, swiglu: 0 });
  });
});
