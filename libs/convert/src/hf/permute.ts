// The Q/K RoPE row permutation (HF rotate-half -> ggml adjacent pairs).
// Within each head of D rows, GGUF row 2i+j takes HF row j*(D/2)+i. Applied to
// whole heads, so a converter can stream a tensor head by head.

/** HF row index that lands on GGUF row `row`, for heads of `headRows` rows. */
export function permutedSourceRow(row: number, headRows: number): number {
  const head = Math.floor(row / headRows);
  const r = row - head * headRows;
  const half = headRows / 2;
  const i = r >> 1;
  const j = r & 1;
  return head * headRows + j * half + i;
}

/**
 * Reorders the rows of one or more whole heads: `src` holds rows of
 * `rowBytes` bytes in HF order, the result holds them in GGUF order.
 */
export function permuteHeadRows(src: Uint8Array, headRows: number, rowBytes: number): Uint8Array {
  const rows = src.length / rowBytes;
  if (!Number.isInteger(rows) || rows % headRows !== 0) {
    throw new RangeError(`permute: ${src.length} bytes are not whole heads of ${headRows} rows x ${rowBytes} bytes`);
  }
  const dst = new Uint8Array(src.length);
  for (let row = 0; row < rows; row++) {
    const from = permutedSourceRow(row, headRows) * rowBytes;
    dst.set(src.subarray(from, from + rowBytes), row * rowBytes);
  }
  return dst;
}

/** The inverse (GGUF -> HF), used to write HF checkpoints from GGUF-layout weights. */
export function unpermuteHeadRows(src: Uint8Array, headRows: number, rowBytes: number): Uint8Array {
  const rows = src.length / rowBytes;
  if (!Number.isInteger(rows) || rows % headRows !== 0) {
    throw new RangeError(`unpermute: ${src.length} bytes are not whole heads of ${headRows} rows x ${rowBytes} bytes`);
  }
  const dst = new Uint8Array(src.length);
  for (let row = 0; row < rows; row++) {
    const to = permutedSourceRow(row, headRows) * rowBytes;
    dst.set(src.subarray(row * rowBytes, (row + 1) * rowBytes), to);
  }
  return dst;
}
