/**
 * Error codes shared by every service. The gateway maps them to HTTP statuses and
 * OpenAI's error body (`{ error: { message, type, param, code } }`).
 */
export enum ErrorCode {
  InvalidRequest = 'invalid_request_error',
  ContextLengthExceeded = 'context_length_exceeded',
  InvalidApiKey = 'invalid_api_key',
  PermissionDenied = 'permission_denied',
  ModelNotFound = 'model_not_found',
  NotFound = 'not_found',
  PayloadTooLarge = 'payload_too_large',
  RateLimited = 'rate_limit_exceeded',
  QueueFull = 'queue_full',
  NoReplica = 'no_ready_replica',
  WorkerFailed = 'worker_failed',
  Internal = 'internal_error',
}

/** HTTP status for each code. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.InvalidRequest]: 400,
  [ErrorCode.ContextLengthExceeded]: 400,
  [ErrorCode.InvalidApiKey]: 401,
  [ErrorCode.PermissionDenied]: 403,
  [ErrorCode.ModelNotFound]: 404,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.QueueFull]: 429,
  [ErrorCode.NoReplica]: 503,
  [ErrorCode.WorkerFailed]: 502,
  [ErrorCode.Internal]: 500,
};
