// Typed errors of the model store. The `code` is stable so the gateway and the
// quantizer can map a failure to an HTTP status or an UnrecoverableError
// without parsing messages; the message says what to do next.

export type StoreErrorCode =
  /** A team, model name or tag that is not allowed (bad characters, `..`, too long). */
  | 'STORE_BAD_NAME'
  /** No manifest or blob under that name/digest. */
  | 'STORE_NOT_FOUND'
  /** A `file:` source that leaves TESSERA_IMPORT_DIR, or no import directory is configured. */
  | 'STORE_OUTSIDE_IMPORT_DIR'
  /** A source string that is not `file:`, `hf://` or `blob:sha256:`. */
  | 'STORE_BAD_SOURCE'
  /** An upload or download larger than allowed. */
  | 'STORE_TOO_LARGE'
  /** Bytes whose hash differs from the one announced. */
  | 'STORE_CHECKSUM_MISMATCH'
  /** The hub refused or could not be reached after retries. */
  | 'STORE_HUB_FAILED'
  /** The operation was cancelled. */
  | 'STORE_ABORTED';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new StoreError('STORE_ABORTED', `${what} was cancelled`);
}
