import type { BlockCopy } from '../core/block-manager';
import type { ForwardBatch } from '../core/batch';
import type { SamplingParams } from './sampling-params';

/** One draw from one logits row. Several draws may share a row (parallel sampling). */
export interface SampleRequest {
  /** Index into the rows returned by `forward`. */
  row: number;
  params: SamplingParams;
  /** Prompt and generated tokens so far, for the penalties. */
  history: readonly number[];
  numPromptTokens: number;
  /** Seed for this draw; the engine derives it from the request seed and the step. */
  seed: number;
}

export interface SampledToken {
  tokenId: number;
  /** Log-probability of the chosen token under the model's full softmax. */
  logprob: number;
  /** Top-N [token, log-probability] pairs when asked for. */
  top?: [number, number][];
}

/**
 * What the engine needs from a model replica: run one batch, move blocks, sample.
 * The native runtime implements it; tests use a deterministic stand-in.
 */
export interface ModelExecutor {
  readonly vocabSize: number;
  copyBlocks(copies: BlockCopy[]): Promise<void>;
  /** Logits of `batch.logitRows`, row-major (rows × vocabSize); valid until the next forward (the array may be reused). */
  forward(batch: ForwardBatch): Promise<Float32Array>;
  sample(logits: Float32Array, requests: SampleRequest[]): Promise<SampledToken[]>;
  /**
   * forward() then sample() on its logits in one call, where the executor
   * can (the native one does it on the forward's thread: one trip through
   * the JS thread per step instead of two). Same results as the two calls.
   */
  forwardAndSample?(batch: ForwardBatch, requests: SampleRequest[]): Promise<SampledToken[]>;
}

/** Turns token ids into text safely while streaming (never half a UTF-8 character). */
export interface StreamingDetokenizer {
  push(tokenId: number): string;
  flush(): string;
}
