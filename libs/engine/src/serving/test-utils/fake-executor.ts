import type { BlockCopy } from '../../core/block-manager';
import type { ForwardBatch } from '../../core/batch';
import { FakePagedModel } from '../../core/test-utils/fake-paged-model';
import type { ModelExecutor, SampledToken, SampleRequest, StreamingDetokenizer } from '../executor';

/**
 * A ModelExecutor over FakePagedModel: the model's next token gets the highest
 * logit, every other token a small deterministic one, so greedy decoding follows
 * the fake model and seeded sampling has real choices to make.
 */
export class FakeExecutor implements ModelExecutor {
  readonly model: FakePagedModel;
  copies: BlockCopy[] = [];
  forwards = 0;
  failNextForward: Error | null = null;
  /** Milliseconds each forward takes, to let tests act mid-stream. */
  delayMs = 0;

  constructor(
    numBlocks: number,
    blockSize: number,
    readonly vocabSize = 64,
  ) {
    this.model = new FakePagedModel(numBlocks, blockSize, vocabSize);
  }

  async copyBlocks(copies: BlockCopy[]): Promise<void> {
    this.copies.push(...copies);
    this.model.copyBlocks(copies);
  }

  async forward(batch: ForwardBatch): Promise<Float32Array> {
    this.forwards++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNextForward) {
      const err = this.failNextForward;
      this.failNextForward = null;
      throw err;
    }
    const next = this.model.forward(batch);
    const logits = new Float32Array(next.length * this.vocabSize);
    next.forEach((tok, r) => {
      for (let v = 0; v < this.vocabSize; v++) logits[r * this.vocabSize + v] = ((v * 7 + tok * 13) % 17) / 10;
      logits[r * this.vocabSize + tok] = 3;
    });
    return logits;
  }

  async sample(logits: Float32Array, requests: SampleRequest[]): Promise<SampledToken[]> {
    return requests.map((q) => {
      const row = logits.subarray(q.row * this.vocabSize, (q.row + 1) * this.vocabSize);
      const max = Math.max(...row);
      const logZ = Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
      let tokenId = row.indexOf(max);
      if (q.params.temperature > 0) {
        let u = mulberry(q.seed);
        const probs = Array.from(row, (x) => Math.exp((x - max) / q.params.temperature));
        const total = probs.reduce((a, b) => a + b, 0);
        u *= total;
        tokenId = probs.findIndex((p) => (u -= p) <= 0);
        if (tokenId < 0) tokenId = probs.length - 1;
      }
      const top = q.params.logprobs
        ? Array.from(row, (x, i) => [i, x - logZ] as [number, number]).sort((a, b) => b[1] - a[1]).slice(0, q.params.logprobs)
        : undefined;
      return { tokenId, logprob: row[tokenId] - logZ, top };
    });
  }
}

function mulberry(seed: number): number {
  let t = (seed + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Token t reads as one letter, "ABCD"[t % 4], so multi-token stop strings occur often. */
export class FakeDetokenizer implements StreamingDetokenizer {
  push(id: number): string {
    return 'ABCD'[id % 4];
  }
  flush(): string {
    return '';
  }
}
