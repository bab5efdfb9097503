// Typed errors of the converter. Each carries a stable `code` so callers (the
// CLI, the convert job processor) can map them without parsing messages; the
// message says what is wrong and what to do about it.

export type ConvertErrorCode =
  | 'CONVERT_MISSING_FILE'
  | 'CONVERT_BAD_CONFIG'
  | 'CONVERT_UNSUPPORTED_ARCH'
  | 'CONVERT_UNSUPPORTED_DTYPE'
  | 'CONVERT_BAD_SAFETENSORS'
  | 'CONVERT_TRUNCATED'
  | 'CONVERT_BAD_INDEX'
  | 'CONVERT_TENSOR_MISMATCH'
  | 'CONVERT_BAD_TOKENIZER'
  | 'CONVERT_UNSUPPORTED_TOKENIZER'
  | 'CONVERT_BAD_OPTION'
  | 'CONVERT_ABORTED';

export class ConvertError extends Error {
  constructor(
    readonly code: ConvertErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConvertError';
  }
}

/** Throws CONVERT_ABORTED when the signal fired; call between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ConvertError('CONVERT_ABORTED', 'conversion aborted by the caller; nothing was written');
  }
}
