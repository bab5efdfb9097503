/**
 * TypeScript shapes of the inference.proto messages as @grpc/proto-loader
 * exposes them (camelCase, longs as numbers, oneofs with a discriminator).
 */
export interface SamplingParams {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
  seed?: number;
  /** 0 = until the context is full. */
  maxTokens: number;
  stop: string[];
  stopTokenIds: number[];
  ignoreEos: boolean;
  /** Top alternatives per token; 0 = none (each token's own logprob is always sent). */
  logprobs: number;
  n: number;
}

export interface ChatMessage {
  role: string;
  content: string;
  name?: string;
}

export type PromptInput = { text: string } | { tokens: { ids: number[] } } | { chat: { messages: ChatMessage[]; addGenerationPrompt: boolean } };

export type GenerateRequest = PromptInput & {
  requestId: string;
  params: SamplingParams;
  priority: number;
  addSpecial: boolean;
};

export interface TopLogprob {
  tokenId: number;
  text: string;
  logprob: number;
}

export interface StartedEvent {
  promptTokens: number;
  cachedTokens: number;
}

export interface TokenEvent {
  index: number;
  tokenId: number;
  /** The safe UTF-8 text delta to show. */
  text: string;
  logprob: number;
  top: TopLogprob[];
  /** The token's own text. */
  tokenText: string;
}

export interface FinishedEvent {
  index: number;
  finishReason: string;
  completionTokens: number;
  text: string;
  error: string;
  /** Prompt tokens found in the prefix cache (Started's count is always 0). */
  cachedTokens?: number;
}

export interface ErrorEvent {
  code: string;
  message: string;
  param: string;
}

export type GenerateEvent =
  | { event: 'started'; started: StartedEvent }
  | { event: 'token'; token: TokenEvent }
  | { event: 'finished'; finished: FinishedEvent }
  | { event: 'error'; error: ErrorEvent };

export type TokenizeRequest = ({ text: string } | { chat: { messages: ChatMessage[]; addGenerationPrompt: boolean } }) & { addSpecial: boolean };

export interface TokenizeResponse {
  tokens: number[];
  count: number;
  maxModelLen: number;
}

export interface DetokenizeResponse {
  text: string;
}
