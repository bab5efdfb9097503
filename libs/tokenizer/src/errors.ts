/** Machine-readable reasons a tokenizer could not be built or used. */
export type TokenizerErrorCode =
  | 'TOKENIZER_MISSING_KEY'
  | 'TOKENIZER_BAD_METADATA'
  | 'TOKENIZER_UNSUPPORTED_MODEL'
  | 'TOKENIZER_UNSUPPORTED_PRE'
  | 'TOKENIZER_DUPLICATE_TOKEN'
  | 'TOKENIZER_BAD_TOKEN_ID'
  | 'TOKENIZER_NO_SPECIAL_TOKEN';

/** Raised when tokenizer metadata is unusable or an id is out of range. */
export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';
  constructor(
    readonly code: TokenizerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type ChatTemplateErrorCode = 'CHAT_TEMPLATE_PARSE' | 'CHAT_TEMPLATE_RENDER' | 'CHAT_TEMPLATE_MISSING';

/** Raised when a chat template cannot be parsed or rendered with the given messages. */
export class ChatTemplateError extends Error {
  override readonly name = 'ChatTemplateError';
  constructor(
    readonly code: ChatTemplateErrorCode,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
