import { ApiError } from '../../common/api-error';
import { BodyReader } from '../../common/validation/body-reader';
import { ChatMessage } from '../../workers/inference-messages';

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

/**
 * OpenAI's `messages`, normalized the way the worker's chat template sees them
 * (developer becomes system, text parts are joined). Chat completions and
 * /tokenize both read them here, so a token count matches the prompt billed.
 */
export function readChatMessages(reader: BodyReader): ChatMessage[] {
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
