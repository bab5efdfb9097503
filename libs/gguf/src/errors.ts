// One error type for everything that can go wrong with a GGUF file, so callers
// (CLI, job processors, the fuzzer) can tell "bad file" apart from a bug.

export type GGUFErrorCode =
  /** The first four bytes are not "GGUF". */
  | 'EBADMAGIC'
  /** Version 0, 1 or newer than 3. */
  | 'EBADVERSION'
  /** The version looks byte-swapped: a big-endian file read on a little-endian host. */
  | 'EBADENDIAN'
  /** The file ends before a field, a string, an array or a tensor's data does. */
  | 'ETRUNCATED'
  /** n_tensors / n_kv negative, or more records than the file could possibly hold. */
  | 'EBADCOUNT'
  /** A string, array or tensor larger than the format (or this process) allows. */
  | 'ETOOLARGE'
  /** A metadata key of length zero. */
  | 'EEMPTYKEY'
  /** The same metadata key twice. */
  | 'EDUPKEY'
  /** A metadata value type id outside 0..12, or an array of arrays. */
  | 'EBADTYPE'
  /** A string that is not valid UTF-8. */
  | 'EBADUTF8'
  /** general.alignment of the wrong type, zero, or not a power of two. */
  | 'EBADALIGN'
  /** A tensor name of 64 bytes or more. */
  | 'EBADNAME'
  /** The same tensor name twice. */
  | 'EDUPTENSOR'
  /** More than 4 dimensions, a negative dimension, or an element count that overflows. */
  | 'EBADDIMS'
  /** A tensor type id that ggml does not know or has removed. */
  | 'EBADTENSORTYPE'
  /** The row length (ne[0]) is not a multiple of the type's block size. */
  | 'EBADSHAPE'
  /** A tensor's data offset differs from the contiguous, minimally padded layout. */
  | 'EBADOFFSET'
  /** A metadata key is absent (typed getters). */
  | 'EMISSINGKEY'
  /** A metadata key holds another type than the one asked for (typed getters). */
  | 'EWRONGTYPE'
  /** Model hyper-parameters that are inconsistent or unsupported (llama-hparams). */
  | 'EBADHPARAMS'
  /** A value that cannot be encoded with its declared type (writer). */
  | 'EBADVALUE'
  /** Writer calls out of order: tensor data before the header, a tensor skipped, finish too early. */
  | 'ESTATE'
  /** Tensor data whose byte length differs from the declared size (writer). */
  | 'ESIZE';

export class GGUFError extends Error {
  override readonly name = 'GGUFError';

  /**
   * @param code   machine-readable reason
   * @param offset byte offset in the file where the problem was found (-1 when not tied to a position)
   * @param message what is wrong and what to do
   */
  constructor(
    readonly code: GGUFErrorCode,
    readonly offset: number,
    message: string,
  ) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message);
  }
}

/** Advice appended to messages about files that fail validation. */
export const REGENERATE_HINT = 'the file is corrupt or was not written by a GGUF v2/v3 writer; re-download or re-convert it';
