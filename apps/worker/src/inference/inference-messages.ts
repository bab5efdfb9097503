// The inference.proto messages as the worker sees them (see INFERENCE_LOADER_OPTIONS).

export interface SamplingParamsMessage {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
  /** proto3 `optional`: absent unless the client set it. */
  seed?: number | null;
  maxTokens: number;
  stop: string[];
  stopTokenIds: number[];
  ignoreEos: boolean;
  logprobs: number;
  n: number;
}

export interface ChatMessageMessage {
  role: string;
  content: string;
  name?: string;
}

export interface ChatPromptMessage {
  messages: ChatMessageMessage[];
  addGenerationPrompt: boolean;
}

export interface PromptFields {
  text?: string | null;
  tokens?: { ids: number[] } | null;
  chat?: ChatPromptMessage | null;
  /** Which member of the oneof is set. */
  prompt?: 'text' | 'tokens' | 'chat';
  addSpecial: boolean;
}

export interface GenerateRequestMessage extends PromptFields {
  requestId: string;
  params?: SamplingParamsMessage | null;
  priority: number;
}

export interface TokenizeRequestMessage {
  text?: string | null;
  chat?: ChatPromptMessage | null;
  prompt?: 'text' | 'chat';
  addSpecial: boolean;
}

export interface TopLogprobMessage {
  tokenId: number;
  text: string;
  logprob: number;
}

export interface FinishedMessage {
  index: number;
  finishReason: string;
  completionTokens: number;
  text: string;
  queueTimeMs: number;
  timeToFirstTokenMs: number;
  timePerOutputTokenMs: number;
  e2eLatencyMs: number;
  error: string;
  cachedTokens: number;
}

export interface TokenMessage {
  index: number;
  tokenId: number;
  text: string;
  logprob: number;
  top: TopLogprobMessage[];
  tokenText: string;
}

export interface ErrorMessage {
  code: string;
  message: string;
  param: string;
}

export type GenerateEventMessage =
  | { started: { promptTokens: number; cachedTokens: number } }
  | { token: TokenMessage }
  | { finished: FinishedMessage }
  | { error: ErrorMessage };
