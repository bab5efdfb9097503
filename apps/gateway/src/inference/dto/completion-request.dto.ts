import { ApiError } from '../../common/api-error';
import { BodyReader } from '../../common/validation/body-reader';
import { GenerationRequest, MAX_TOP_LOGPROBS, readGeneration } from './sampling.dto';

export interface CompletionRequest extends GenerationRequest {
  prompt: string | number[];
  /** Whether to return logprobs; `params.logprobs` alternatives per token. */
  logprobs: boolean;
}

const MAX_TOKEN_ID = 2 ** 31 - 1;

const isTokenList = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && t >= 0 && t <= MAX_TOKEN_ID);

/** One prompt: a string, token ids, or a batch of exactly one of either. */
function readPrompt(reader: BodyReader): string | number[] {
  const value = reader.raw('prompt');
  if (value === undefined) throw ApiError.invalid("Missing required parameter 'prompt'.", 'prompt');
  if (typeof value === 'string') return value;
  if (isTokenList(value)) return value;
  if (Array.isArray(value) && value.length > 1 && value.every((v) => typeof v === 'string' || isTokenList(v))) {
    throw ApiError.invalid('Batched prompts are not supported: send one prompt per request (use n for several completions).', 'prompt');
  }
  if (Array.isArray(value) && value.length === 1 && (typeof value[0] === 'string' || isTokenList(value[0]))) return value[0] as string | number[];
  return reader.fail('prompt', 'a string, an array of token ids, or an array with one of either');
}

export function parseCompletionRequest(body: unknown): CompletionRequest {
  const reader = new BodyReader(body);
  const prompt = readPrompt(reader);
  const logprobs = reader.number('logprobs', { integer: true, min: 0, max: MAX_TOP_LOGPROBS });
  const echo = reader.boolean('echo');
  if (echo) reader.fail('echo', 'false (echo is not supported)', echo);
  const generation = readGeneration(reader, 16, logprobs ?? 0);
  reader.rejectUnknown();
  return { ...generation, prompt, logprobs: logprobs !== undefined };
}
