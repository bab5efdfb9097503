import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ErrorCode, HTTP_STATUS } from '@tessera/contracts';
import { ApiError } from './api-error';
import { codeForStatus, errorType } from './error-body';
import { describeForLog, toErrorResponse } from './error-response';

describe('toErrorResponse', () => {
  it.each(Object.values(ErrorCode))('maps ApiError %s to its contract status and OpenAI body', (code) => {
    const response = toErrorResponse(new ApiError(code, 'what to do', 'param_x'));
    expect(response.status).toBe(HTTP_STATUS[code]);
    expect(response.body).toEqual({ error: { message: 'what to do', type: errorType(HTTP_STATUS[code]), param: 'param_x', code } });
    expect(response.unexpected).toBe(false);
  });

  it('keeps Retry-After and an explicit status', () => {
    const response = toErrorResponse(new ApiError(ErrorCode.NoReplica, 'm', null, 2.5, 503));
    expect(response.retryAfterSeconds).toBe(2.5);
    expect(response.status).toBe(503);
  });

  it('uses OpenAI error types per status', () => {
    expect(errorType(400)).toBe('invalid_request_error');
    expect(errorType(401)).toBe('authentication_error');
    expect(errorType(403)).toBe('permission_error');
    expect(errorType(404)).toBe('not_found_error');
    expect(errorType(413)).toBe('invalid_request_error');
    expect(errorType(429)).toBe('rate_limit_error');
    expect(errorType(502)).toBe('server_error');
    expect(errorType(503)).toBe('service_unavailable_error');
  });

  it('maps Nest HTTP exceptions by status', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x')).body.error).toMatchObject({ code: 'not_found', type: 'not_found_error' });
    expect(toErrorResponse(new BadRequestException('bad')).body.error).toMatchObject({ code: 'invalid_request_error', message: 'bad' });
    const tooLarge = toErrorResponse(new HttpException('Request body is too large', 413));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('payload_too_large');
    expect(tooLarge.body.error.message).toMatch(/BODY_LIMIT_BYTES/);
  });

  it("maps Fastify's own errors (413 body limit, 400 bad JSON, 415 media type)", () => {
    const big = toErrorResponse(Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe(ErrorCode.PayloadTooLarge);
    const json = toErrorResponse(Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }));
    expect(json.status).toBe(400);
    expect(json.body.error.message).toMatch(/not valid JSON/);
    const media = toErrorResponse(Object.assign(new Error('x'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }));
    expect(media.status).toBe(415);
    expect(media.body.error.message).toMatch(/application\/json/);
  });

  it('hides unexpected errors behind a generic 500', () => {
    const secret = new Error('connect ECONNREFUSED redis://:hunter2@10.0.0.1');
    const response = toErrorResponse(secret);
    expect(response.status).toBe(500);
    expect(response.unexpected).toBe(true);
    expect(JSON.stringify(response.body)).not.toContain('hunter2');
    expect(response.body.error.code).toBe('internal_error');
    expect(toErrorResponse('a string').status).toBe(500);
    expect(toErrorResponse(Object.assign(new Error('boom'), { statusCode: 500 })).status).toBe(500);
  });

  it('describes errors for logs without stacks', () => {
    const err = new TypeError('bad thing');
    expect(describeForLog(err)).toBe('TypeError: bad thing');
    expect(describeForLog(err)).not.toContain('at ');
    expect(describeForLog(42)).toBe('non-error thrown: number');
  });

  it('gives framework statuses a code', () => {
    expect(codeForStatus(401)).toBe(ErrorCode.InvalidApiKey);
    expect(codeForStatus(403)).toBe(ErrorCode.PermissionDenied);
    expect(codeForStatus(429)).toBe(ErrorCode.RateLimited);
    expect(codeForStatus(503)).toBe(ErrorCode.NoReplica);
    expect(codeForStatus(500)).toBe(ErrorCode.Internal);
    expect(codeForStatus(405)).toBe(ErrorCode.InvalidRequest);
  });
});
