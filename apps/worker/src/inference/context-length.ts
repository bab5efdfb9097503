import { ErrorCode } from '@tessera/contracts';
import { RequestError } from './request-error';

/**
 * Refuses, as OpenAI and vLLM do, a request whose prompt plus its explicit
 * max_tokens cannot fit in the context, instead of silently cutting the
 * completion short. `maxTokens` 0 means "until the context is full": only the
 * prompt must then leave room for one token.
 */
export function checkContextLength(promptTokens: number, maxTokens: number, maxModelLen: number, param: string): void {
  if (promptTokens >= maxModelLen) {
    throw new RequestError(
      ErrorCode.ContextLengthExceeded,
      `This model's maximum context length is ${maxModelLen} tokens, but the prompt has ${promptTokens} tokens. Shorten the prompt.`,
      param,
    );
  }
  if (maxTokens > 0 && promptTokens + maxTokens > maxModelLen) {
    throw new RequestError(
      ErrorCode.ContextLengthExceeded,
      `This model's maximum context length is ${maxModelLen} tokens, but ${promptTokens + maxTokens} were requested ` +
        `(${promptTokens} in the prompt, ${maxTokens} for the completion). Lower max_tokens to at most ${maxModelLen - promptTokens} or shorten the prompt.`,
      param,
    );
  }
}
