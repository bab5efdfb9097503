// Store failures caused by the caller (bad names, paths outside the import
// directory, missing models, oversized uploads) become API errors with the
// store's message, which already says what to do; anything else stays a 500.

import { ErrorCode } from '@tessera/contracts';
import { StoreError, StoreErrorCode } from '@tessera/store';
import { ApiError } from '../common/api-error';

const BY_CODE: Partial<Record<StoreErrorCode, ErrorCode>> = {
  STORE_BAD_NAME: ErrorCode.InvalidRequest,
  STORE_BAD_SOURCE: ErrorCode.InvalidRequest,
  STORE_OUTSIDE_IMPORT_DIR: ErrorCode.InvalidRequest,
  STORE_CHECKSUM_MISMATCH: ErrorCode.InvalidRequest,
  STORE_NOT_FOUND: ErrorCode.NotFound,
  STORE_TOO_LARGE: ErrorCode.PayloadTooLarge,
};

/** Rethrows `err` as an ApiError naming `param` when it is a caller's mistake. */
export function toApiError(err: unknown, param: string | null = null): unknown {
  if (!(err instanceof StoreError)) return err;
  const code = BY_CODE[err.code];
  if (!code) return err;
  const message = err.message.charAt(0).toUpperCase() + err.message.slice(1);
  return new ApiError(code, message.endsWith('.') ? message : `${message}.`, param);
}

/** Runs `fn`, mapping caller-caused store errors to API errors. */
export async function withStoreErrors<T>(fn: () => Promise<T>, param: string | null = null): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApiError(err, param);
  }
}
