// The shapes of the addon's sampling binding (cpp/sampling/sampling_bindings.cpp):
// `sample` (off the JS thread) and `sampleSync` take the same request and give
// the same result. The engine's sampleRows validates and packs requests into
// this form; the native specs call the binding with it directly.

export interface NativeSampleRequest {
  /** rows × nVocab logits. */
  logits: Float32Array;
  nVocab: number;
  /** Per row, 8 floats: temperature, topK, topP, minP, repetition, presence, frequency, topLogprobs. */
  params: Float32Array;
  /** Per row: seed high/low 32 bits and the step counter (Uint32 triples). */
  rng: Uint32Array;
  /** Token histories for penalties, concatenated; historyStarts has rows + 1 offsets. */
  history: Int32Array;
  historyStarts: Int32Array;
}

export interface NativeSampleResult {
  /** Per row: the chosen token. */
  tokens: Int32Array;
  /** Per row: log-probability of the chosen token under the raw logits. */
  logprobs: Float32Array;
  /** Per row, maxTop entries (token, logprob), -1/NaN padded. */
  topTokens: Int32Array;
  topLogprobs: Float32Array;
  maxTop: number;
}
