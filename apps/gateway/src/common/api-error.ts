import { ErrorCode, HTTP_STATUS } from '@tessera/contracts';

/**
 * An error the API reports to its caller: an OpenAI-style code, a message that
 * says what to do, the offending parameter and, for 429/503, when to retry.
 */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param: string | null = null,
    readonly retryAfterSeconds?: number,
    status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status ?? HTTP_STATUS[code];
  }

  static invalid(message: string, param: string | null = null): ApiError {
    return new ApiError(ErrorCode.InvalidRequest, message, param);
  }
}
