import type { SamplingParams } from '@tessera/engine';
import type { SamplingParamsMessage } from './inference-messages';

/**
 * proto3 cannot tell an unset scalar from zero, so each field's zero means what
 * is least surprising for it:
 * - temperature is taken as sent: 0 is greedy (the gateway always sends it);
 * - top_p, repetition_penalty, max_tokens and n are never valid at 0, so 0 = default;
 * - top_k, min_p, the penalties and logprobs are "off" at 0, which is their default.
 * No params message at all means every engine default.
 */
export function toEngineParams(p: SamplingParamsMessage | null | undefined): Partial<SamplingParams> {
  if (!p) return {};
  const orDefault = (v: number) => (v === 0 ? undefined : v);
  return {
    temperature: p.temperature,
    topK: p.topK,
    topP: orDefault(p.topP),
    minP: p.minP,
    repetitionPenalty: orDefault(p.repetitionPenalty),
    presencePenalty: p.presencePenalty,
    frequencyPenalty: p.frequencyPenalty,
    seed: p.seed === null || p.seed === undefined ? undefined : Number(p.seed),
    maxTokens: orDefault(p.maxTokens),
    stop: p.stop ?? [],
    stopTokenIds: p.stopTokenIds ?? [],
    ignoreEos: p.ignoreEos,
    logprobs: p.logprobs,
    n: orDefault(p.n),
  };
}
