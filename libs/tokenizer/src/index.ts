export { Tokenizer, type EncodeOptions, type DecodeOptions, type TokenizerKind, type ApplyChatTemplateOptions } from './tokenizer';
export { IncrementalDetokenizer } from './incremental-detokenizer';
export { renderChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat-template';
export { TokenizerError, ChatTemplateError, type TokenizerErrorCode, type ChatTemplateErrorCode } from './errors';
export { metadataFromKV, type TokenizerMetadata, type KVGetter } from './metadata';
export { SUPPORTED_PRE_TOKENIZERS } from './pre-tokenizer';
