// Turns one tensor's bytes from its input type into its planned type: a copy
// when the type does not change, otherwise F32 first (F16/BF16 widen exactly;
// quantized inputs are dequantized) and then the target's quantizer. 3-D expert
// tensors with an imatrix are quantized one expert at a time, since each
// expert has its own slice of the importance weights.

import { GGMLType } from '@tessera/native';
import type { QuantKernels } from './kernels';
import type { PlannedTensor } from './tensor-type-rules';

export interface ConversionContext {
  readonly kernels: QuantKernels;
  readonly threads: number;
  readonly signal?: AbortSignal;
  /** Importance weights for this tensor: dims[0] values per expert. */
  readonly imatrix?: Float32Array;
}

// Types whose quantizers read the importance weights; the others ignore them.
const USES_IMATRIX = new Set<GGMLType>([
  GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1,
  GGMLType.Q2_K, GGMLType.Q3_K, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K,
  GGMLType.IQ4_NL, GGMLType.IQ4_XS,
]);

export async function convertTensor(t: PlannedTensor, bytes: Uint8Array, ctx: ConversionContext): Promise<Uint8Array> {
  if (t.toType === t.fromType) return bytes;
  const nElements = t.dims.reduce((a, b) => a * b, 1);
  const f32 =
    t.fromType === GGMLType.F32
      ? new Float32Array(bytes.buffer, bytes.byteOffset, nElements)
      : sameRealm(await ctx.kernels.dequantize(t.fromType, bytes, nElements, { threads: ctx.threads, signal: ctx.signal }));
  if (t.toType === GGMLType.F32) return new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);

  const nPerRow = t.dims[0];
  const imatrix = USES_IMATRIX.has(t.toType) ? ctx.imatrix : undefined;
  const call = (src: Float32Array, w?: Float32Array) =>
    ctx.kernels.quantize(t.toType, src, nPerRow, { imatrix: w, threads: ctx.threads, signal: ctx.signal });
  if (!imatrix) return call(f32);

  const experts = imatrix.length / nPerRow;
  const perExpert = nElements / experts;
  const parts: Uint8Array[] = [];
  for (let e = 0; e < experts; e++) {
    parts.push(await call(f32.subarray(e * perExpert, (e + 1) * perExpert), imatrix.subarray(e * nPerRow, (e + 1) * nPerRow)));
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * Arrays made by the addon belong to the main JS realm; code running in another
 * realm (a vm context, as under Jest) would fail `instanceof Float32Array` on
 * them. A view in this realm over the same memory costs nothing.
 */
function sameRealm(a: Float32Array): Float32Array {
  if (a instanceof Float32Array) return a;
  const foreign = a as { buffer: ArrayBufferLike; byteOffset: number; length: number };
  return new Float32Array(foreign.buffer, foreign.byteOffset, foreign.length);
}
