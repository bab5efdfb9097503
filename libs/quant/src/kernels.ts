// The native kernels the pipeline needs, behind an interface so the
// pipeline's container logic can also be exercised with stand-in kernels.

import { GGMLType, dequantize, quantize, quantizeFrom } from '@tessera/native';

export interface QuantizeCallOptions {
  /** One weight per column (n_per_row values). */
  imatrix?: Float32Array;
  threads?: number;
  signal?: AbortSignal;
  /** Memory to write the result into (at least its size); kernels may ignore it and return new memory. */
  out?: Uint8Array;
}

export interface DequantizeCallOptions {
  threads?: number;
  signal?: AbortSignal;
  /** Memory to write the values into (at least nElements long); kernels may ignore it. */
  out?: Float32Array;
}

export interface QuantKernels {
  /** F32 rows of `nPerRow` elements -> the packed blocks of `type`. */
  quantize(type: GGMLType, src: Float32Array, nPerRow: number, opts: QuantizeCallOptions): Promise<Uint8Array>;
  /** Packed `type` data -> `nElements` F32 values (also F16/BF16 -> F32). */
  dequantize(type: GGMLType, bytes: Uint8Array, nElements: number, opts: DequantizeCallOptions): Promise<Float32Array>;
  /**
   * Rows of `fromType` bytes -> the packed blocks of `type`, giving the bytes of
   * dequantize then quantize without the F32 copy. Optional: without it the
   * pipeline does those two steps.
   */
  quantizeFrom?(fromType: GGMLType, type: GGMLType, bytes: Uint8Array, nPerRow: number, opts: QuantizeCallOptions): Promise<Uint8Array>;
}

/** The addon's kernels (loaded on first use). */
export const nativeKernels: QuantKernels = { quantize, dequantize, quantizeFrom };
