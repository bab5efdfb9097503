import { HttpException } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import { ApiError } from './api-error';
import { codeForStatus, errorBody, OpenAiErrorBody } from './error-body';

export interface ErrorResponse {
  status: number;
  body: OpenAiErrorBody;
  retryAfterSeconds?: number;
  /** True when the error was not expected: log it (without stack or request data). */
  unexpected: boolean;
}

/** Fastify's own errors (body parsing, limits) carry a status and an FST_ code. */
interface FrameworkError {
  statusCode: number;
  code?: string;
  message: string;
}

function isFrameworkError(err: unknown): err is FrameworkError {
  const e = err as Partial<FrameworkError> | null;
  return typeof e === 'object' && e !== null && typeof e.statusCode === 'number' && typeof e.message === 'string';
}

function frameworkMessage(err: FrameworkError): string {
  if (err.statusCode === 413) return 'Request body is too large. Send a smaller body or raise BODY_LIMIT_BYTES on the gateway.';
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'Unsupported Content-Type: send JSON with "Content-Type: application/json".';
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'The JSON body is empty.';
  if (err.statusCode === 400) return `The body is not valid JSON (${err.message}).`;
  return err.message;
}

/**
 * Maps anything thrown while serving a request to a status and OpenAI's error
 * body. Unknown errors become a 500 that reveals nothing about the internals.
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof ApiError) {
    return { status: err.status, body: errorBody(err.status, err.code, err.message, err.param), retryAfterSeconds: err.retryAfterSeconds, unexpected: false };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const message =
      status === 404 ? 'Unknown route. See /docs for the API.' : status === 413 ? frameworkMessage({ statusCode: 413, message: err.message }) : err.message;
    return { status, body: errorBody(status, codeForStatus(status), message), unexpected: status >= 500 };
  }
  if (isFrameworkError(err) && err.statusCode >= 400 && err.statusCode < 500) {
    const status = err.statusCode;
    return { status, body: errorBody(status, codeForStatus(status), frameworkMessage(err)), unexpected: false };
  }
  return { status: 500, body: errorBody(500, ErrorCode.Internal, 'Internal server error. The gateway logged the cause; retry later.'), unexpected: true };
}

/** One-line description for logs: the error's class and message, never its stack. */
export function describeForLog(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `non-error thrown: ${typeof err}`;
}
