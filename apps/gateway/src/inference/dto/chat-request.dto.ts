import { ApiError } from '../../common/api-error';
import { BodyReader } from '../../common/validation/body-reader';
import { ChatMessage } from '../../workers/inference-messages';
import { readChatMessages } from './chat-messages.dto';
import { GenerationRequest, MAX_TOP_LOGPROBS, readGeneration } from './sampling.dto';

export interface ChatRequest extends GenerationRequest {
  messages: ChatMessage[];
  /** Whether to return logprobs (each token's own; `params.logprobs` alternatives). */
  logprobs: boolean;
}

export function parseChatRequest(body: unknown): ChatRequest {
  const reader = new BodyReader(body);
  const messages = readChatMessages(reader);
  const logprobs = reader.boolean('logprobs') ?? false;
  const top = reader.number('top_logprobs', { integer: true, min: 0, max: MAX_TOP_LOGPROBS });
  if (top !== undefined && !logprobs) throw ApiError.invalid("'top_logprobs' needs 'logprobs': true.", 'top_logprobs');
  const generation = readGeneration(reader, 0, top ?? 0);
  reader.rejectUnknown();
  return { ...generation, messages, logprobs };
}
