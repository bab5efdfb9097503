import { resolveSamplingParams } from '@tessera/engine';
import type { SamplingParamsMessage } from './inference-messages';
import { toEngineParams } from './sampling-params.mapper';

const zero: SamplingParamsMessage = {
  temperature: 0,
  topK: 0,
  topP: 0,
  minP: 0,
  repetitionPenalty: 0,
  presencePenalty: 0,
  frequencyPenalty: 0,
  seed: null,
  maxTokens: 0,
  stop: [],
  stopTokenIds: [],
  ignoreEos: false,
  logprobs: 0,
  n: 0,
};

describe('toEngineParams', () => {
  it('uses every engine default when no params message came', () => {
    expect(toEngineParams(undefined)).toEqual({});
    expect(toEngineParams(null)).toEqual({});
  });

  it('reads an all-zero message as greedy with defaults, which the engine accepts', () => {
    const p = resolveSamplingParams(toEngineParams(zero), 100);
    expect(p).toMatchObject({ temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 16, n: 1, logprobs: 0 });
    expect(p.seed).toBeUndefined();
  });

  it('passes set values through, seed included', () => {
    const p = toEngineParams({ ...zero, temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05, repetitionPenalty: 1.1, maxTokens: 64, seed: 12, stop: ['\n'], stopTokenIds: [3], ignoreEos: true, logprobs: 2, n: 3 });
    expect(p).toMatchObject({ temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05, repetitionPenalty: 1.1, maxTokens: 64, seed: 12, stop: ['\n'], stopTokenIds: [3], ignoreEos: true, logprobs: 2, n: 3 });
  });

  it('keeps a seed of 0 (set, not absent)', () => {
    expect(toEngineParams({ ...zero, seed: 0 }).seed).toBe(0);
  });
});
