import { ErrorCode } from '@tessera/contracts';
import { ChatTemplateError, type Tokenizer } from '@tessera/tokenizer';
import type { ChatPromptMessage } from './inference-messages';
import { RequestError } from './request-error';

export interface PromptInput {
  text?: string | null;
  tokens?: { ids: number[] } | null;
  chat?: ChatPromptMessage | null;
  prompt?: string;
  addSpecial: boolean;
}

export interface BuiltPrompt {
  tokens: number[];
  /** The request field a length or content error points at. */
  param: 'prompt' | 'messages';
}

/**
 * Turns a request's prompt (text, token ids or chat messages) into token ids, the
 * way llama.cpp does: special-token text is parsed; BOS is added per the model
 * unless a chat template already wrote it.
 */
export function buildPrompt(tokenizer: Tokenizer, input: PromptInput): BuiltPrompt {
  switch (input.prompt) {
    case 'text':
      return { tokens: tokenizer.encode(input.text ?? '', { addSpecial: input.addSpecial, parseSpecial: true }), param: 'prompt' };
    case 'tokens':
      return { tokens: input.tokens?.ids ?? [], param: 'prompt' };
    case 'chat':
      return { tokens: encodeChat(tokenizer, input.chat), param: 'messages' };
    default:
      throw new RequestError(ErrorCode.InvalidRequest, 'the request has no prompt: set one of text, tokens or chat', 'prompt');
  }
}

function encodeChat(tokenizer: Tokenizer, chat: ChatPromptMessage | null | undefined): number[] {
  const messages = chat?.messages ?? [];
  if (messages.length === 0) throw new RequestError(ErrorCode.InvalidRequest, 'messages must hold at least one message', 'messages');
  let text: string;
  try {
    const plain = messages.map((m) => ({ role: m.role, content: m.content, ...(m.name ? { name: m.name } : {}) }));
    text = tokenizer.applyChatTemplate(plain, { addGenerationPrompt: chat?.addGenerationPrompt === true });
  } catch (err) {
    if (err instanceof ChatTemplateError) throw new RequestError(ErrorCode.InvalidRequest, err.message, 'messages');
    throw err;
  }
  const bos = tokenizer.bosId === undefined ? undefined : tokenizer.tokenText(tokenizer.bosId);
  const templateWroteBos = bos !== undefined && text.startsWith(bos);
  return tokenizer.encode(text, { addSpecial: !templateWroteBos, parseSpecial: true });
}
