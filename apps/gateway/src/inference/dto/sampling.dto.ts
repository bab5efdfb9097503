import { ApiError } from '../../common/api-error';
import { BodyReader } from '../../common/validation/body-reader';
import { SamplingParams } from '../../workers/inference-messages';

export const MAX_N = 16;
export const MAX_TOP_LOGPROBS = 20;
export const MAX_STOP_SEQUENCES = 16;

export interface StreamOptions {
  includeUsage: boolean;
}

/** Fields common to chat and text completions. */
export interface GenerationRequest {
  model: string;
  stream: boolean;
  streamOptions: StreamOptions;
  params: SamplingParams;
  user?: string;
}

/**
 * Reads the sampling parameters OpenAI and vLLM define, with OpenAI's ranges
 * and defaults. `defaultMaxTokens` is 0 (until the context is full) for chat
 * and 16 for text completions, as OpenAI documents.
 */
export function readGeneration(reader: BodyReader, defaultMaxTokens: number, logprobs: number): GenerationRequest {
  const model = reader.requiredString('model');
  const stream = reader.boolean('stream') ?? false;
  const options = reader.object('stream_options');
  const includeUsage = options?.boolean('include_usage') ?? false;
  options?.rejectUnknown();
  if (options && !stream) throw ApiError.invalid("'stream_options' is only allowed when 'stream' is true.", 'stream_options');

  // Both are read (and validated); the newer name wins when both are sent.
  const legacyMaxTokens = reader.number('max_tokens', { integer: true, min: 1 });
  const maxTokens = reader.number('max_completion_tokens', { integer: true, min: 1 }) ?? legacyMaxTokens;
  const seed = reader.number('seed', { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
  const topK = reader.number('top_k', { integer: true, min: -1 });
  const user = reader.string('user');
  const params: SamplingParams = {
    temperature: reader.number('temperature', { min: 0, max: 2 }) ?? 1,
    topP: reader.number('top_p', { above: 0, max: 1 }) ?? 1,
    topK: topK === undefined || topK === -1 ? 0 : topK,
    minP: reader.number('min_p', { min: 0, max: 1 }) ?? 0,
    presencePenalty: reader.number('presence_penalty', { min: -2, max: 2 }) ?? 0,
    frequencyPenalty: reader.number('frequency_penalty', { min: -2, max: 2 }) ?? 0,
    repetitionPenalty: reader.number('repetition_penalty', { above: 0, max: 2 }) ?? 1,
    seed,
    maxTokens: maxTokens ?? defaultMaxTokens,
    stop: reader.stringList('stop', MAX_STOP_SEQUENCES) ?? [],
    stopTokenIds: reader.integerList('stop_token_ids', 0, 2 ** 31 - 1) ?? [],
    ignoreEos: reader.boolean('ignore_eos') ?? false,
    logprobs,
    n: reader.number('n', { integer: true, min: 1, max: MAX_N }) ?? 1,
  };
  if (seed === undefined) delete params.seed;
  // OpenAI's client sends these with neutral values; anything else is unsupported here.
  const format = reader.object('response_format');
  if (format) {
    if (format.oneOf('type', ['text'] as const) !== 'text') format.fail('type', "'text' (structured output is not supported)");
    format.rejectUnknown();
  }
  const bias = reader.raw('logit_bias');
  if (bias !== undefined && (typeof bias !== 'object' || Array.isArray(bias) || Object.keys(bias as object).length > 0)) {
    reader.fail('logit_bias', 'an empty object (logit_bias is not supported)', bias);
  }
  return { model, stream, streamOptions: { includeUsage }, params, user };
}
