import { ApiError } from '../../common/api-error';
import { BodyReader } from '../../common/validation/body-reader';
import { ChatMessage } from '../../workers/inference-messages';
import { GenerationRequest, MAX_TOP_LOGPROBS, readGeneration } from './sampling.dto';

export interface ChatRequest extends GenerationRequest {
  messages: ChatMessage[];
  /** Whether to return logprobs (each token's own; `params.logprobs` alternatives). */
  logprobs: boolean;
}

const ROLES = ['system', 'developer', 'user', 'assistant'] as const;

/** Message content: a string, or OpenAI's array of text parts joined. */
function readContent(message: BodyReader): string {
  const content = message.raw('content');
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part, i) => {
        const reader = new BodyReader(part, `${message.param('content')}[${i}]`);
        if (reader.oneOf('type', ['text'] as const) !== 'text') reader.fail('type', "'text' (images and audio are not supported)");
        const text = reader.string('text') ?? reader.fail('text', 'a string');
        reader.rejectUnknown();
        return text;
      })
      .join('');
  }
  return message.fail('content', 'a string or an array of text parts');
}

function readMessages(reader: BodyReader): ChatMessage[] {
  const value = reader.raw('messages');
  if (value === undefined) throw ApiError.invalid("Missing required parameter 'messages'.", 'messages');
  if (!Array.isArray(value) || value.length === 0) reader.fail('messages', 'a non-empty array of messages');
  return value.map((item, i) => {
    const message = new BodyReader(item, `messages[${i}]`);
    const role = message.oneOf('role', ROLES) ?? message.fail('role', `one of ${ROLES.join(', ')}`);
    const result: ChatMessage = { role: role === 'developer' ? 'system' : role, content: readContent(message) };
    const name = message.string('name');
    if (name) result.name = name;
    message.rejectUnknown();
    return result;
  });
}

export function parseChatRequest(body: unknown): ChatRequest {
  const reader = new BodyReader(body);
  const messages = readMessages(reader);
  const logprobs = reader.boolean('logprobs') ?? false;
  const top = reader.number('top_logprobs', { integer: true, min: 0, max: MAX_TOP_LOGPROBS });
  if (top !== undefined && !logprobs) throw ApiError.invalid("'top_logprobs' needs 'logprobs': true.", 'top_logprobs');
  const generation = readGeneration(reader, 0, top ?? 0);
  reader.rejectUnknown();
  return { ...generation, messages, logprobs };
}
