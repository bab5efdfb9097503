// What the converter and the synthesizer hand to the GGUF writer: a tensor's
// name, ggml type and shape, and a source of its bytes produced chunk by chunk
// when it is that tensor's turn (so no model has to fit in memory).

import { GGMLType } from '@tessera/gguf';

export interface TensorPlan {
  readonly name: string;
  readonly type: GGMLType;
  /** ne in ggml order (ne[0] = row length). */
  readonly dims: readonly number[];
  /** The tensor's bytes, in order, in chunks of bounded size. */
  chunks(signal?: AbortSignal): AsyncIterable<Uint8Array>;
}

/** Bytes per element of the float types the converter writes. */
export function floatTypeSize(type: GGMLType): number {
  switch (type) {
    case GGMLType.F32:
      return 4;
    case GGMLType.F16:
    case GGMLType.BF16:
      return 2;
    default:
      throw new RangeError(`not a float output type: ${type}`);
  }
}

/** Target chunk size: large enough for throughput, small enough to bound memory. */
export const CHUNK_BYTES = 4 * 1024 * 1024;
