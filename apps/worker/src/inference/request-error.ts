import { status } from '@grpc/grpc-js';
import { ErrorCode } from '@tessera/contracts';

/**
 * A request the worker will not run, reported in-band as one Error event of the
 * Generate stream (the gateway maps `code` to an HTTP status and OpenAI's body).
 */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param = '',
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/**
 * A call refused at the transport level with a gRPC status. UNAVAILABLE means
 * "this replica cannot take it now, retry on another" (draining, not loaded).
 */
export class RpcError extends Error {
  constructor(
    readonly grpcCode: status,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}
