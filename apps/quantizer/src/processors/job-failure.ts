// Turns what a processor threw into what BullMQ should do with it. Bad input
// (unknown preset, corrupt or missing source, a path outside the import
// directory, cancellation) can never succeed on retry: it becomes an
// UnrecoverableError whose message starts with a failure code the gateway
// reports. Anything else is left to BullMQ's retries with backoff.

import { UnrecoverableError } from 'bullmq';
import { QuantFailureCode, formatQuantFailure } from '@tessera/contracts';

const BY_CODE: Readonly<Record<string, QuantFailureCode>> = {
  QUANT_UNKNOWN_PRESET: 'invalid_preset',
  QUANT_BAD_OPTION: 'invalid_preset',
  QUANT_REQUANTIZE_DISABLED: 'invalid_source',
  QUANT_UNSUPPORTED_INPUT: 'invalid_source',
  QUANT_BAD_MODEL: 'source_corrupt',
  QUANT_ABORTED: 'cancelled',
  CONVERT_ABORTED: 'cancelled',
  STORE_ABORTED: 'cancelled',
  STORE_BAD_SOURCE: 'invalid_source',
  STORE_BAD_NAME: 'invalid_source',
  STORE_NOT_FOUND: 'source_not_found',
  STORE_OUTSIDE_IMPORT_DIR: 'source_outside_import_dir',
  STORE_TOO_LARGE: 'source_too_large',
  STORE_CHECKSUM_MISMATCH: 'source_corrupt',
};

/** An error with a failure code, thrown by our own processors for bad input. */
export class JobInputError extends Error {
  constructor(
    readonly failure: QuantFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'JobInputError';
  }
}

export function failureCodeOf(err: unknown): QuantFailureCode | undefined {
  if (err instanceof JobInputError) return err.failure;
  const e = err as { name?: string; code?: string } | null;
  const code = e?.code;
  if (typeof code !== 'string') return undefined;
  if (BY_CODE[code]) return BY_CODE[code];
  // Every ConvertError except an abort means the checkpoint is not usable as it is.
  if (e?.name === 'ConvertError') return 'source_corrupt';
  // Any GGUF parse error on a source file: the file is not a valid GGUF.
  if (e?.name === 'GGUFError') return 'source_corrupt';
  return undefined;
}

/** What the worker should rethrow: UnrecoverableError for bad input, the error itself otherwise. */
export function toJobError(err: unknown, signal?: AbortSignal): Error {
  if (err instanceof UnrecoverableError) return err;
  const failure = signal?.aborted ? 'cancelled' : failureCodeOf(err);
  if (failure) return new UnrecoverableError(formatQuantFailure(failure, failure === 'cancelled' ? 'the job was cancelled' : (err as Error).message));
  return err instanceof Error ? err : new Error(String(err));
}
