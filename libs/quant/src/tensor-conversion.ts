// Turns whole rows of a tensor from its input type into its planned type: F32
// input goes straight to the target's quantizer; other inputs (F16/BF16 widen
// exactly, quantized inputs are dequantized) pass through F32 on the way,
// inside one native call when the kernels can. The rows come from one expert
// at most, so one slice of importance weights applies to all of them.

import { GGMLType } from '@tessera/native';
import type { QuantKernels } from './kernels';
import type { PlannedTensor } from './tensor-type-rules';

export interface ConversionContext {
  readonly kernels: QuantKernels;
  readonly threads: number;
  readonly signal?: AbortSignal;
  /** Importance weights of these rows' expert: dims[0] values. */
  readonly imatrix?: Float32Array;
  /** Where to put the result (at least its size, 4-byte aligned, apart from the input); else new memory. */
  readonly out?: Uint8Array;
}

// Types whose quantizers read the importance weights; the others ignore them.
const USES_IMATRIX = new Set<GGMLType>([
  GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1,
  GGMLType.Q2_K, GGMLType.Q3_K, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K,
  GGMLType.IQ4_NL, GGMLType.IQ4_XS,
]);

const asFloats = (b: Uint8Array, n: number) => new Float32Array(b.buffer, b.byteOffset, n);
const asBytes = (f: Float32Array) => new Uint8Array(f.buffer, f.byteOffset, f.byteLength);

/**
 * Converts `nRows` rows held in `bytes`. The result may share memory with
 * `bytes` (unchanged types, F32 output from F32 input) or with `ctx.out`, and
 * the kernels read `bytes` in place until the promise settles.
 */
export async function convertRows(t: PlannedTensor, bytes: Uint8Array, nRows: number, ctx: ConversionContext): Promise<Uint8Array> {
  if (t.toType === t.fromType) return bytes;
  const nPerRow = t.dims[0];
  const nElements = nRows * nPerRow;
  const { kernels, threads, signal, out } = ctx;
  if (t.toType === GGMLType.F32) {
    const floats = await kernels.dequantize(t.fromType, bytes, nElements, { threads, signal, out: out && asFloats(out, nElements) });
    return asBytes(floats);
  }
  const opts = { imatrix: USES_IMATRIX.has(t.toType) ? ctx.imatrix : undefined, threads, signal, out };
  if (t.fromType === GGMLType.F32) return kernels.quantize(t.toType, asFloats(bytes, nElements), nPerRow, opts);
  if (kernels.quantizeFrom) return kernels.quantizeFrom(t.fromType, t.toType, bytes, nPerRow, opts);
  const floats = await kernels.dequantize(t.fromType, bytes, nElements, { threads, signal });
  return kernels.quantize(t.toType, floats, nPerRow, opts);
}
