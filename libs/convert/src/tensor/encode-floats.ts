// Re-encodes a run of float elements from a source dtype to an output type.
// Widening (F16/BF16 -> F32) is exact; narrowing rounds to nearest even like
// ggml. Same-type runs are passed through untouched, bit for bit.

import { GGMLType } from '@tessera/gguf';
import { FloatDType } from '../safetensors/dtypes';
import { bf16ArrayToF32, f16ArrayToF32, f32ArrayToBf16, f32ArrayToF16 } from './float-convert';

export type FloatOutType = GGMLType.F32 | GGMLType.F16 | GGMLType.BF16;

const SAME: Record<FloatDType, FloatOutType> = { F32: GGMLType.F32, F16: GGMLType.F16, BF16: GGMLType.BF16 };

/** Views `bytes` as float32 (copying only when it is not 4-byte aligned). */
function asF32(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(new Uint8Array(bytes).buffer);
}

function asU16(bytes: Uint8Array): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  return new Uint16Array(new Uint8Array(bytes).buffer);
}

/** Decodes little-endian source elements to float32. */
export function decodeToF32(bytes: Uint8Array, dtype: FloatDType): Float32Array {
  switch (dtype) {
    case 'F32':
      return asF32(bytes);
    case 'F16':
      return f16ArrayToF32(asU16(bytes));
    case 'BF16':
      return bf16ArrayToF32(asU16(bytes));
  }
}

/** Encodes float32 values as `out`, returning the bytes. */
export function encodeF32(values: Float32Array, out: FloatOutType): Uint8Array {
  switch (out) {
    case GGMLType.F32:
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case GGMLType.F16: {
      const h = f32ArrayToF16(values);
      return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
    }
    case GGMLType.BF16: {
      const b = f32ArrayToBf16(values);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
  }
}

export function reencode(bytes: Uint8Array, from: FloatDType, to: FloatOutType): Uint8Array {
  if (SAME[from] === to) return bytes;
  return encodeF32(decodeToF32(bytes, from), to);
}
