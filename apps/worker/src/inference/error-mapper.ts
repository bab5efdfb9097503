import { status } from '@grpc/grpc-js';
import { ErrorCode } from '@tessera/contracts';
import { EngineError, SamplingParamsError } from '@tessera/engine';
import type { ErrorMessage } from './inference-messages';
import { RequestError, RpcError } from './request-error';

/**
 * What a rejected Generate sends back: an in-band Error event for a bad request,
 * or (thrown) an RpcError when another replica should take it. Anything else is
 * a bug and is rethrown for the transport to report as INTERNAL.
 */
export function toErrorEvent(err: unknown, promptParam: string): ErrorMessage {
  if (err instanceof RequestError) return { code: err.code, message: err.message, param: err.param };
  if (err instanceof SamplingParamsError) return { code: ErrorCode.InvalidRequest, message: err.message, param: err.param };
  if (err instanceof EngineError) {
    switch (err.code) {
      case 'ECONTEXT':
        return { code: ErrorCode.ContextLengthExceeded, message: err.message, param: promptParam };
      case 'EINVAL':
        return { code: ErrorCode.InvalidRequest, message: err.message, param: promptParam };
      case 'EDUPLICATE':
        return { code: ErrorCode.InvalidRequest, message: err.message, param: 'request_id' };
      case 'ECLOSED':
        throw new RpcError(status.UNAVAILABLE, err.message);
    }
  }
  throw err;
}
