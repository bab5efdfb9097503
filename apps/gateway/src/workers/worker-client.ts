import { DetokenizeResponse, GenerateEvent, GenerateRequest, TokenizeRequest, TokenizeResponse } from './inference-messages';

/** The replica could not be reached or dropped the call (safe to retry if nothing was streamed). */
export class WorkerUnavailableError extends Error {
  readonly code = 'EWORKERUNAVAILABLE';
  constructor(
    readonly address: string,
    detail: string,
  ) {
    super(`Replica at ${address} failed: ${detail}`);
    this.name = 'WorkerUnavailableError';
  }
}

/** The replica refused the request's content (gRPC INVALID_ARGUMENT): the caller's fault, not retryable. */
export class WorkerRejectedError extends Error {
  readonly code = 'EWORKERREJECTED';
  constructor(
    readonly address: string,
    readonly detail: string,
  ) {
    super(`Replica at ${address} refused the request: ${detail}`);
    this.name = 'WorkerRejectedError';
  }
}

/** Talks to one replica's Inference service. */
export abstract class WorkerClient {
  /** Streams a request's events; aborting `signal` cancels the call on the worker. */
  abstract generate(address: string, request: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent>;
  abstract tokenize(address: string, request: TokenizeRequest): Promise<TokenizeResponse>;
  abstract detokenize(address: string, tokens: number[]): Promise<DetokenizeResponse>;
}
