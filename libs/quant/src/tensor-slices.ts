// Cuts every tensor of a plan into slices of whole rows of bounded input size.
// Quantizers treat rows independently, so converting a tensor slice by slice
// gives the same bytes as converting it at once, while memory stays bounded by
// the slice size instead of the largest tensor (an embedding can be 10x the
// size of a layer's weights). A slice never spans two experts of a 3-D tensor,
// since each expert has its own importance weights.

import type { GGUFTensorInfo } from '@tessera/gguf';
import type { PlannedTensor } from './tensor-type-rules';

export interface TensorSlice {
  readonly tensor: PlannedTensor;
  /** Absolute file offset and length of this slice's input bytes. */
  readonly offset: number;
  readonly nBytes: number;
  /** Index (in the tensor) of the slice's first element, and its row count (0 for a byte-range copy). */
  readonly firstElement: number;
  readonly nRows: number;
  /** Which expert of a 3-D tensor the rows belong to (0 for 2-D tensors). */
  readonly expert: number;
  /** True for the tensor's last slice. */
  readonly last: boolean;
}

/** The default input bytes per slice: per-call costs are already negligible at this size (measured on SmolLM: 1 to 16 MiB run equally fast), and memory stays small. */
export const DEFAULT_SLICE_BYTES = 2 << 20;

/** Every tensor's slices, in plan order. `maxBytes` bounds a slice's input unless a single row is larger. */
export function planSlices(plan: readonly PlannedTensor[], sources: ReadonlyMap<string, GGUFTensorInfo>, maxBytes: number): TensorSlice[] {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`slice size must be a positive integer of bytes, got ${maxBytes}`);
  const slices: TensorSlice[] = [];
  for (const t of plan) {
    const info = sources.get(t.name);
    if (!info) throw new RangeError(`tensor ${t.name} is planned but not in the input`);
    // An empty tensor still gets one (empty) slice, so that it is written.
    const copy = t.toType === t.fromType || info.nBytes === 0;
    slices.push(...(copy ? byteRanges(t, info, maxBytes) : rowRanges(t, info, maxBytes)));
  }
  return slices;
}

/** A tensor that keeps its type is copied: any byte split will do. */
function byteRanges(t: PlannedTensor, info: GGUFTensorInfo, maxBytes: number): TensorSlice[] {
  const out: TensorSlice[] = [];
  let done = 0;
  do {
    const nBytes = Math.min(maxBytes, info.nBytes - done);
    out.push({ tensor: t, offset: info.absoluteOffset + done, nBytes, firstElement: 0, nRows: 0, expert: 0, last: done + nBytes === info.nBytes });
    done += nBytes;
  } while (done < info.nBytes);
  return out;
}

function rowRanges(t: PlannedTensor, info: GGUFTensorInfo, maxBytes: number): TensorSlice[] {
  const nPerRow = t.dims[0];
  const nRows = info.nElements / nPerRow;
  const experts = t.dims.length >= 3 ? t.dims.slice(2).reduce((a, b) => a * b, 1) : 1;
  const rowsPerExpert = nRows / experts;
  const rowBytes = info.nBytes / nRows;
  const step = Math.max(1, Math.floor(maxBytes / rowBytes));
  const out: TensorSlice[] = [];
  for (let e = 0; e < experts; e++) {
    for (let r = 0; r < rowsPerExpert; r += step) {
      const row = e * rowsPerExpert + r;
      const rows = Math.min(step, rowsPerExpert - r);
      out.push({
        tensor: t,
        offset: info.absoluteOffset + row * rowBytes,
        nBytes: rows * rowBytes,
        firstElement: row * nPerRow,
        nRows: rows,
        expert: e,
        last: row + rows === nRows,
      });
    }
  }
  return out;
}
