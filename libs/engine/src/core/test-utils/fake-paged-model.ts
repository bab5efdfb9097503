import type { BlockCopy } from '../block-manager';
import type { ForwardBatch } from '../batch';

/** Mixes a token and its position into one "K/V" value. */
function kvValue(token: number, pos: number): number {
  return (Math.imul(token + 1, 0x9e3779b1) ^ Math.imul(pos + 7, 0x85ebca6b)) >>> 0;
}

function nextFrom(values: Iterable<number>, vocab: number): number {
  let h = 0x811c9dc5;
  for (const v of values) h = Math.imul(h ^ v, 0x01000193) >>> 0;
  return h % vocab;
}

/**
 * A stand-in model whose next token depends on every K/V value of the sequence,
 * read back through the block table exactly as paged attention would. Any wrong
 * block table, slot mapping, cache hit or missed copy changes its output.
 */
export class FakePagedModel {
  private readonly slots: Float64Array;

  constructor(
    numBlocks: number,
    private readonly blockSize: number,
    private readonly vocab = 1000,
  ) {
    this.slots = new Float64Array(numBlocks * blockSize).fill(NaN);
  }

  copyBlocks(copies: BlockCopy[]): void {
    for (const { src, dst } of copies) {
      this.slots.copyWithin(dst * this.blockSize, src * this.blockSize, (src + 1) * this.blockSize);
    }
  }

  /** Next token for each logit row. */
  forward(batch: ForwardBatch): number[] {
    for (let t = 0; t < batch.tokens.length; t++) this.slots[batch.slotMapping[t]] = kvValue(batch.tokens[t], batch.positions[t]);
    const out: number[] = [];
    for (const row of batch.logitRows) {
      const s = this.seqOfToken(batch, row);
      const values: number[] = [];
      for (let p = 0; p < batch.seqLens[s]; p++) {
        const block = batch.blockTables[s * batch.maxBlocksPerSeq + Math.floor(p / this.blockSize)];
        values.push(this.slots[block * this.blockSize + (p % this.blockSize)]);
      }
      out.push(nextFrom(values, this.vocab));
    }
    return out;
  }

  /** What the model must produce for a token history, computed without any cache. */
  reference(tokens: readonly number[]): number {
    return nextFrom(tokens.map((t, p) => kvValue(t, p)), this.vocab);
  }

  private seqOfToken(batch: ForwardBatch, row: number): number {
    let s = 0;
    while (batch.seqStarts[s + 1] <= row) s++;
    return s;
  }
}
