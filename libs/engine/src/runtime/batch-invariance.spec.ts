// One batched forward of many sequences (some prefilling many tokens, some
// decoding one) must give each sequence the logits it gets alone: the
// scheduler's batching must never change a request's output.

import { LlamaModel } from './llama-model';
import { ModelBatch } from './model-batch';
import { goldenModelPath } from './test-utils/golden';

const N_SEQS = 16;
const BLOCK = 16;
const BLOCKS_PER_SEQ = 5; // up to 80 tokens each

interface Chunk {
  seq: number;
  tokens: number[];
  start: number;
}

/** Deterministic pseudo-random token ids. */
function tokensFor(seq: number, n: number, vocab: number): number[] {
  return Array.from({ length: n }, (_, i) => (seq * 7919 + i * 104729 + 13) % vocab);
}

/** A batch of chunks; sequence s uses blocks base + s * BLOCKS_PER_SEQ .. */
function batchOf(chunks: Chunk[], base: number): ModelBatch {
  const tokens: number[] = [];
  const positions: number[] = [];
  const slots: number[] = [];
  const seqStarts = [0];
  const seqLens: number[] = [];
  const tables: number[] = [];
  const logitRows: number[] = [];
  for (const c of chunks) {
    const first = base + c.seq * BLOCKS_PER_SEQ;
    c.tokens.forEach((t, i) => {
      const p = c.start + i;
      tokens.push(t);
      positions.push(p);
      slots.push((first + Math.floor(p / BLOCK)) * BLOCK + (p % BLOCK));
      logitRows.push(tokens.length - 1); // every row: compares prefill rows too
    });
    seqStarts.push(tokens.length);
    seqLens.push(c.start + c.tokens.length);
    for (let b = 0; b < BLOCKS_PER_SEQ; b++) tables.push(first + b);
  }
  return {
    tokens: Int32Array.from(tokens),
    positions: Int32Array.from(positions),
    seqStarts: Int32Array.from(seqStarts),
    seqLens: Int32Array.from(seqLens),
    blockTables: Int32Array.from(tables),
    maxBlocksPerSeq: BLOCKS_PER_SEQ,
    slotMapping: Int32Array.from(slots),
    logitRows: Int32Array.from(logitRows),
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(['f32', 'Q4_0', 'Q4_K_M'])('batched forward of micro-%s', (type) => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await LlamaModel.load(goldenModelPath(type), { threads: 2, kvBlocks: 2 * N_SEQS * BLOCKS_PER_SEQ, blockSize: BLOCK });
  });
  afterAll(() => model.close());

  it('gives every sequence the logits it gets alone', async () => {
    const vocab = model.nVocab;
    // Step 1 prefills a prefix of each sequence; step 2 adds 1 token (decode)
    // for even sequences and a multi-token chunk for odd ones. Sequence 15's
    // 70-token prefix takes the long-prefill attention variant.
    const prefix = (s: number) => (s === 15 ? 70 : 1 + 3 * s);
    const step1: Chunk[] = Array.from({ length: N_SEQS }, (_, s) => ({ seq: s, tokens: tokensFor(s, prefix(s), vocab), start: 0 }));
    const step2: Chunk[] = step1.map((c) => ({ seq: c.seq, tokens: tokensFor(c.seq + 100, c.seq % 2 === 0 ? 1 : 2 + (c.seq % 5), vocab), start: c.tokens.length }));

    const alone: Float32Array[] = [];
    for (const steps of [step1, step2]) {
      for (const c of steps) alone.push(await model.forward(batchOf([c], 0)));
    }
    const base = N_SEQS * BLOCKS_PER_SEQ; // separate blocks: nothing shared with the runs above
    const together = [await model.forward(batchOf(step1, base)), await model.forward(batchOf(step2, base))];

    const flat = (rows: Float32Array[]) => {
      const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
      let o = 0;
      for (const r of rows) {
        out.set(r, o);
        o += r.length;
      }
      return out;
    };
    expect(maxAbsDiff(flat(alone.slice(0, N_SEQS)), together[0])).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(flat(alone.slice(N_SEQS)), together[1])).toBeLessThanOrEqual(1e-4);
  });
});
