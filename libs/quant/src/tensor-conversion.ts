// Turns whole rows of a tensor from its input type into its planned type: F32
// first (F16/BF16 widen exactly; quantized inputs are dequantized), then the
// target's quantizer. The rows come from one expert at most, so one slice of
// importance weights applies to all of them.

import { GGMLType } from '@tessera/native';
import type { QuantKernels } from './kernels';
import type { PlannedTensor } from './tensor-type-rules';

export interface ConversionContext {
  readonly kernels: QuantKernels;
  readonly threads: number;
  readonly signal?: AbortSignal;
  /** Importance weights of these rows' expert: dims[0] values. */
  readonly imatrix?: Float32Array;
}

// Types whose quantizers read the importance weights; the others ignore them.
const USES_IMATRIX = new Set<GGMLType>([
  GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1,
  GGMLType.Q2_K, GGMLType.Q3_K, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K,
  GGMLType.IQ4_NL, GGMLType.IQ4_XS,
]);

/**
 * Converts `nRows` rows held in `bytes`. The result may share memory with
 * `bytes` (unchanged types, F32 output from F32 input), and the kernels read
 * `bytes` in place until the promise settles.
 */
export async function convertRows(t: PlannedTensor, bytes: Uint8Array, nRows: number, ctx: ConversionContext): Promise<Uint8Array> {
  if (t.toType === t.fromType) return bytes;
  const nPerRow = t.dims[0];
  const nElements = nRows * nPerRow;
  const f32 =
    t.fromType === GGMLType.F32
      ? new Float32Array(bytes.buffer, bytes.byteOffset, nElements)
      : await ctx.kernels.dequantize(t.fromType, bytes, nElements, { threads: ctx.threads, signal: ctx.signal });
  if (t.toType === GGMLType.F32) return new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  const imatrix = USES_IMATRIX.has(t.toType) ? ctx.imatrix : undefined;
  return ctx.kernels.quantize(t.toType, f32, nPerRow, { imatrix, threads: ctx.threads, signal: ctx.signal });
}
