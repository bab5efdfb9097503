import type { BlockCopy } from '../core/block-manager';
import type { ForwardBatch } from '../core/batch';
import type { LlamaModel } from '../runtime/llama-model';
import { RuntimeError } from '../runtime/errors';
import { sampleRows, type SampledRow, type SampleRow } from '../runtime/sampling';
import type { ModelExecutor, SampledToken, SampleRequest } from './executor';

function toSampleRow(r: SampleRequest): SampleRow {
  return {
    row: r.row,
    params: r.params,
    // Penalties look at the prompt and the output, as llama.cpp's samplers do.
    history: r.history,
    seed: r.seed,
    topLogprobs: r.params.logprobs,
  };
}

function toSampledTokens(rows: SampledRow[], requests: SampleRequest[]): SampledToken[] {
  return rows.map((r, i) => ({ tokenId: r.token, logprob: r.logprob, top: requests[i].params.logprobs ? r.top : undefined }));
}

/** The engine's view of a loaded native model: forward, KV block copies, sampling. */
export class NativeExecutor implements ModelExecutor {
  // One logits array for every step, grown as batches ask for more rows: a
  // step's logits are sampled before the next forward starts (the engine
  // never has two steps in flight), so reusing it is safe and saves a fresh
  // allocation per step.
  private logits = new Float32Array(0);

  constructor(readonly model: LlamaModel) {}

  get vocabSize(): number {
    return this.model.nVocab;
  }

  async copyBlocks(copies: BlockCopy[]): Promise<void> {
    const m = this.model as LlamaModel & { copyBlocks?: (pairs: Int32Array) => Promise<void> };
    if (!m.copyBlocks) throw new RuntimeError('ENATIVE', 'this build cannot copy KV blocks; parallel sampling (n > 1) is unavailable');
    const pairs = new Int32Array(copies.length * 2);
    copies.forEach((c, i) => pairs.set([c.src, c.dst], i * 2));
    await m.copyBlocks(pairs);
  }

  forward(batch: ForwardBatch): Promise<Float32Array> {
    return this.model.forward(batch, this.logitsFor(batch));
  }

  async sample(logits: Float32Array, requests: SampleRequest[]): Promise<SampledToken[]> {
    // The forward's threads are idle while sampling; give each a share of the rows.
    const rows = await sampleRows(logits, this.model.nVocab, requests.map(toSampleRow), { parallel: this.model.threads });
    return toSampledTokens(rows, requests);
  }

  async forwardAndSample(batch: ForwardBatch, requests: SampleRequest[]): Promise<SampledToken[]> {
    const { sampled } = await this.model.forwardAndSample(batch, requests.map(toSampleRow), this.logitsFor(batch));
    return toSampledTokens(sampled, requests);
  }

  /** The reused logits array, grown to hold `batch`'s rows. */
  private logitsFor(batch: ForwardBatch): Float32Array {
    const n = batch.logitRows.length * this.model.nVocab;
    if (this.logits.length < n) this.logits = new Float32Array(n);
    return this.logits;
  }
}
