// Size and placement rules shared by the reader and the writer.

import { findTypeTraits } from '@tessera/native';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
export const GGUF_KEY_ALIGNMENT = 'general.alignment';
/** ggml's GGML_MAX_NAME includes the NUL, so names hold at most 63 bytes. */
export const GGML_MAX_NAME = 64;
export const GGML_MAX_DIMS = 4;
export const GGUF_MAX_STRING_LENGTH = 1024 * 1024 * 1024;
export const GGUF_MAX_ARRAY_ELEMENTS = 1024 * 1024 * 1024;

/** `n` rounded up to a multiple of `align` (a power of two). */
export function padTo(n: number, align: number): number {
  const rem = n % align;
  return rem === 0 ? n : n + (align - rem);
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= 0x80000000 && (n & (n - 1)) === 0;
}

/** ggml_n_dims: the dimension count once trailing size-1 dims are dropped (minimum 1). */
export function ggmlNDims(dims: readonly number[]): number {
  let n = dims.length;
  while (n > 1 && dims[n - 1] === 1) n--;
  return Math.max(n, 1);
}

/** `dims` without trailing size-1 dims, as ggml's writer stores them. */
export function ggmlDims(dims: readonly number[]): number[] {
  return dims.length === 0 ? [1] : dims.slice(0, ggmlNDims(dims));
}

export function nElements(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * ggml_nbytes for a contiguous tensor: (ne0 / block) * typeSize * ne1 * ne2 * ne3.
 * Throws RangeError for unknown types or a row length that is not a multiple of the block.
 */
export function tensorNBytes(type: number, dims: readonly number[]): number {
  const traits = findTypeTraits(type);
  if (!traits) throw new RangeError(`unknown ggml tensor type id ${type}`);
  const ne0 = dims.length > 0 ? dims[0] : 1;
  if (ne0 % traits.blockSize !== 0) {
    throw new RangeError(`row length ${ne0} is not a multiple of ${traits.name}'s block size ${traits.blockSize}`);
  }
  return (ne0 / traits.blockSize) * traits.typeSize * nElements(dims.slice(1));
}
