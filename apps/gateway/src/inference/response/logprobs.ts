import { TokenEvent } from '../../workers/inference-messages';

const bytesOf = (text: string) => [...Buffer.from(text, 'utf8')];

/** Chat's `logprobs.content` entries. */
export function chatLogprobs(tokens: readonly TokenEvent[]) {
  return {
    content: tokens.map((t) => ({
      token: t.tokenText,
      logprob: t.logprob,
      bytes: bytesOf(t.tokenText),
      top_logprobs: t.top.map((alt) => ({ token: alt.text, logprob: alt.logprob, bytes: bytesOf(alt.text) })),
    })),
    refusal: null,
  };
}

/** Legacy completions' `logprobs` object. */
export function completionLogprobs(tokens: readonly TokenEvent[], offsets: readonly number[]) {
  return {
    tokens: tokens.map((t) => t.tokenText),
    token_logprobs: tokens.map((t) => t.logprob),
    top_logprobs: tokens.map((t) => Object.fromEntries(t.top.map((alt) => [alt.text, alt.logprob]))),
    text_offset: [...offsets],
  };
}
