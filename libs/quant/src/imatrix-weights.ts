// The in-memory form of an importance matrix, and how llama-quantize turns the
// stored sums and counts into per-column weights.

import { QuantError } from './errors';

export interface Imatrix {
  /** The path it was loaded from (recorded as quantize.imatrix.file). */
  readonly path: string;
  readonly format: 'gguf' | 'legacy';
  /** Tensor name -> one weight per column (times the expert count for 3-D expert tensors). */
  readonly weights: ReadonlyMap<string, Float32Array>;
  /** Calibration dataset names, as recorded by llama-imatrix. */
  readonly datasets: readonly string[];
  /** Number of chunks the statistics were gathered over (0 when unknown). */
  readonly chunkCount: number;
}

/** One entry as stored: summed squared activations and how many tokens each slice saw. */
export interface ImatrixEntry {
  readonly sums: Float32Array;
  readonly counts: readonly number[];
}

/**
 * Weights from sums and counts. GGUF files keep one count per expert slice, and
 * a slice nobody routed to gets weight 1; legacy files keep one call count for
 * the whole entry and leave the sums as they are when it is zero. Float32
 * division, as the reference does it.
 */
export function imatrixWeights(name: string, entry: ImatrixEntry, legacy: boolean): Float32Array {
  const { sums, counts } = entry;
  const out = new Float32Array(sums.length);
  if (legacy) {
    const calls = Math.fround(counts[0]);
    for (let i = 0; i < sums.length; i++) out[i] = calls > 0 ? sums[i] / calls : sums[i];
  } else {
    if (sums.length % counts.length !== 0) {
      throw new QuantError(
        'QUANT_IMATRIX_FORMAT',
        `imatrix entry ${name} has ${sums.length} sums for ${counts.length} counts, which do not divide; regenerate the imatrix`,
      );
    }
    const width = sums.length / counts.length;
    counts.forEach((c, j) => {
      const count = Math.fround(c);
      for (let i = j * width; i < (j + 1) * width; i++) out[i] = count > 0 ? sums[i] / count : 1;
    });
  }
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new QuantError('QUANT_IMATRIX_FORMAT', `imatrix entry ${name} has a non-finite weight at column ${bad}; regenerate the imatrix`);
  }
  return out;
}
