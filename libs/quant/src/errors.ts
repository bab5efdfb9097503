// Typed errors of the quantization library. Each carries a stable `code` so
// callers (the CLI, the job processors) can map them without parsing messages.

export type QuantErrorCode =
  | 'QUANT_UNKNOWN_PRESET'
  | 'QUANT_BAD_OPTION'
  | 'QUANT_NO_FALLBACK'
  | 'QUANT_REQUANTIZE_DISABLED'
  | 'QUANT_UNSUPPORTED_INPUT'
  | 'QUANT_BAD_MODEL'
  | 'QUANT_IMATRIX_FORMAT'
  | 'QUANT_IMATRIX_MISMATCH'
  | 'QUANT_ABORTED';

export class QuantError extends Error {
  constructor(
    readonly code: QuantErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'QuantError';
  }
}
