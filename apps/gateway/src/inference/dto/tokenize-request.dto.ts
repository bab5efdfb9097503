import { ApiError } from '../../common/api-error';
import { BodyReader } from '../../common/validation/body-reader';
import { ChatMessage } from '../../workers/inference-messages';
import { readChatMessages } from './chat-messages.dto';

export interface TokenizeRequestDto {
  model: string;
  input: { text: string } | { chat: { messages: ChatMessage[]; addGenerationPrompt: boolean } };
  addSpecial: boolean;
}

export interface DetokenizeRequestDto {
  model: string;
  tokens: number[];
}

/** vLLM's /tokenize body: { model, prompt } or { model, messages }. */
export function parseTokenizeRequest(body: unknown): TokenizeRequestDto {
  const reader = new BodyReader(body);
  const model = reader.requiredString('model');
  const addSpecial = reader.boolean('add_special_tokens') ?? true;
  const addGenerationPrompt = reader.boolean('add_generation_prompt') ?? true;
  let input: TokenizeRequestDto['input'];
  if (reader.has('prompt') === reader.has('messages')) throw ApiError.invalid("Send exactly one of 'prompt' or 'messages'.", 'prompt');
  if (reader.has('prompt')) input = { text: reader.string('prompt') ?? '' };
  else input = { chat: { messages: readChatMessages(reader), addGenerationPrompt } };
  reader.rejectUnknown();
  return { model, input, addSpecial };
}

export function parseDetokenizeRequest(body: unknown): DetokenizeRequestDto {
  const reader = new BodyReader(body);
  const request = { model: reader.requiredString('model'), tokens: reader.integerList('tokens', 0, 2 ** 31 - 1) ?? reader.fail('tokens', 'an array of token ids') };
  reader.rejectUnknown();
  return request;
}
