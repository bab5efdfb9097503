// The two native kernels the pipeline needs, behind an interface so the
// pipeline's container logic can also be exercised with stand-in kernels.

import { GGMLType, dequantize, quantize } from '@tessera/native';

export interface QuantizeCallOptions {
  /** One weight per column (n_per_row values). */
  imatrix?: Float32Array;
  threads?: number;
  signal?: AbortSignal;
}

export interface QuantKernels {
  /** F32 rows of `nPerRow` elements -> the packed blocks of `type`. */
  quantize(type: GGMLType, src: Float32Array, nPerRow: number, opts: QuantizeCallOptions): Promise<Uint8Array>;
  /** Packed `type` data -> `nElements` F32 values (also F16/BF16 -> F32). */
  dequantize(type: GGMLType, bytes: Uint8Array, nElements: number, opts: { threads?: number; signal?: AbortSignal }): Promise<Float32Array>;
}

/** The addon's kernels (loaded on first use). */
export const nativeKernels: QuantKernels = { quantize, dequantize };
