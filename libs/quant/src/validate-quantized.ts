// The check llama-quantize runs on every freshly quantized tensor: no block
// scale (an FP16 field) may be infinite or NaN, and plain float outputs may not
// hold inf/NaN. It catches inputs with huge or non-finite weights, which would
// otherwise produce a file that decodes to garbage.

import { GGMLType, typeTraits } from '@tessera/native';
import { QuantError } from './errors';

// Byte offsets of the FP16 scale fields inside one block (layouts per ggml-common.h).
const SCALE_FIELDS = new Map<GGMLType, readonly number[]>([
  [GGMLType.Q4_0, [0]],
  [GGMLType.Q4_1, [0, 2]],
  [GGMLType.Q5_0, [0]],
  [GGMLType.Q5_1, [0, 2]],
  [GGMLType.Q8_0, [0]],
  [GGMLType.Q2_K, [80, 82]],
  [GGMLType.Q3_K, [108]],
  [GGMLType.Q4_K, [0, 2]],
  [GGMLType.Q5_K, [0, 2]],
  [GGMLType.Q6_K, [208]],
  [GGMLType.IQ4_NL, [0]],
  [GGMLType.IQ4_XS, [0]],
]);

/**
 * Throws QUANT_BAD_MODEL naming the tensor and block when the data holds an inf/NaN scale or value.
 * `firstElement` is where `data` starts in the tensor, when it holds only some of its rows.
 */
export function validateQuantized(name: string, type: GGMLType, data: Uint8Array, firstElement = 0): void {
  const bad = firstInvalid(type, data);
  if (bad >= 0) {
    const block = firstElement / typeTraits(type).blockSize + bad;
    throw new QuantError(
      'QUANT_BAD_MODEL',
      `${name}: quantizing to ${typeTraits(type).name} gave an infinite or NaN value at block ${block}; ` +
        'the source weights contain inf/NaN or values too large for FP16 scales',
    );
  }
}

function firstInvalid(type: GGMLType, data: Uint8Array): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (type === GGMLType.F32) {
    for (let i = 0; i < data.byteLength / 4; i++) if (!Number.isFinite(view.getFloat32(4 * i, true))) return i;
    return -1;
  }
  if (type === GGMLType.F16) return firstHalf(view, 0, 2, data.byteLength / 2, 0x7c00);
  if (type === GGMLType.BF16) return firstHalf(view, 0, 2, data.byteLength / 2, 0x7f80);
  const fields = SCALE_FIELDS.get(type);
  if (!fields) return -1;
  const size = typeTraits(type).typeSize;
  for (const offset of fields) {
    const bad = firstHalf(view, offset, size, data.byteLength / size, 0x7c00);
    if (bad >= 0) return bad;
  }
  return -1;
}

/** First index whose 16-bit float has all exponent bits set (inf or NaN), or -1. */
function firstHalf(view: DataView, offset: number, stride: number, count: number, expMask: number): number {
  for (let i = 0; i < count; i++) {
    if ((view.getUint16(offset + i * stride, true) & expMask) === expMask) return i;
  }
  return -1;
}
