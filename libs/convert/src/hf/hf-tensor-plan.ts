// One Hugging Face tensor as a GGUF tensor plan: the ggml shape (reversed),
// the output type chosen by the reference converter's rules, and a chunked
// byte source that reads the safetensors data a slice at a time, applies the
// Q/K row permutation head by head, and re-encodes to the output type.

import { GGMLType } from '@tessera/gguf';
import { ConvertError, throwIfAborted } from '../errors';
import { LocatedTensor } from '../safetensors/hf-weights';
import { FloatDType, isFloatDType, SAFETENSORS_DTYPE_SIZES } from '../safetensors/dtypes';
import { FloatOutType, reencode } from '../tensor/encode-floats';
import { CHUNK_BYTES, TensorPlan } from '../tensor/tensor-plan';
import { MappedName } from './tensor-names';
import { permuteHeadRows } from './permute';

/** Norms, 1-D tensors and anything that is not a `.weight` stay F32 (reference rule). */
export function outputTypeFor(ggufName: string, nDims: number, outtype: FloatOutType): FloatOutType {
  if (nDims <= 1 || ggufName.endsWith('_norm.weight') || !ggufName.endsWith('.weight')) return GGMLType.F32;
  return outtype;
}

export interface HfTensorPlanInput {
  readonly located: LocatedTensor;
  readonly mapped: MappedName;
  readonly outtype: FloatOutType;
  /** Heads to permute over (n_head for Q, n_head_kv for K); ignored when not permuted. */
  readonly permuteHeads: number;
}

export function makeHfTensorPlan(input: HfTensorPlanInput): TensorPlan {
  const { located, mapped } = input;
  const { entry, file } = located;
  if (!isFloatDType(entry.dtype)) {
    throw new ConvertError(
      'CONVERT_UNSUPPORTED_DTYPE',
      `tensor '${entry.name}' has dtype ${entry.dtype}; only F32, F16 and BF16 weights can be converted (dequantize the checkpoint first)`,
    );
  }
  const dtype: FloatDType = entry.dtype;
  const shape = entry.shape.length === 0 ? [1] : [...entry.shape];
  const type = outputTypeFor(mapped.gguf, shape.length, input.outtype);
  const elemSize = SAFETENSORS_DTYPE_SIZES[dtype];
  // Rows of the row-major source: the outermost dimension; a 1-D tensor is
  // treated as rows of one element so biases permute like weight rows.
  const rows = shape[0];
  const rowBytes = (entry.end - entry.begin) / Math.max(rows, 1);
  let headRows = 0;
  if (mapped.permute !== 'none') {
    headRows = rows / input.permuteHeads;
    if (!Number.isInteger(headRows) || headRows % 2 !== 0) {
      throw new ConvertError(
        'CONVERT_TENSOR_MISMATCH',
        `tensor '${entry.name}' has ${rows} rows, not a whole number of ${input.permuteHeads} heads with an even head size`,
      );
    }
  }
  const rowsPerChunk = chunkRows(rowBytes, headRows, elemSize);
  return {
    name: mapped.gguf,
    type,
    dims: [...shape].reverse(),
    async *chunks(signal?: AbortSignal) {
      for (let r = 0; r < rows; r += rowsPerChunk) {
        throwIfAborted(signal);
        const n = Math.min(rowsPerChunk, rows - r);
        let bytes: Uint8Array = await file.readBytes(entry.name, r * rowBytes, n * rowBytes, alignedBuffer(n * rowBytes));
        if (headRows > 0) bytes = permuteHeadRows(bytes, headRows, rowBytes);
        yield reencode(bytes, dtype, type);
      }
    },
  };
}

/** Rows per read: about CHUNK_BYTES, whole heads when permuting, at least one row. */
function chunkRows(rowBytes: number, headRows: number, elemSize: number): number {
  const unit = headRows > 0 ? headRows : 1;
  const units = Math.max(1, Math.floor(CHUNK_BYTES / Math.max(rowBytes * unit, elemSize)));
  return units * unit;
}

/** A Buffer whose start is 8-byte aligned, so typed-array views need no copy. */
function alignedBuffer(n: number): Buffer {
  const ab = new ArrayBuffer(n);
  return Buffer.from(ab, 0, n);
}
