import { ErrorCode } from '@tessera/contracts';

/** OpenAI's error body. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** OpenAI's `type` for each status family. */
export function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'service_unavailable_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function errorBody(status: number, code: ErrorCode | string | null, message: string, param: string | null = null): OpenAiErrorBody {
  return { error: { message, type: errorType(status), param, code } };
}

/** Our code for a bare HTTP status (errors raised by the framework, not by us). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return ErrorCode.InvalidApiKey;
    case 403:
      return ErrorCode.PermissionDenied;
    case 404:
      return ErrorCode.NotFound;
    case 413:
      return ErrorCode.PayloadTooLarge;
    case 429:
      return ErrorCode.RateLimited;
    case 503:
      return ErrorCode.NoReplica;
    default:
      return status >= 500 ? ErrorCode.Internal : ErrorCode.InvalidRequest;
  }
}
