// Tensor parallelism on CPU: a model split over 2 ranks (heads, FFN and
// vocabulary slices, activations exchanged through shared memory) must
// generate what the unsplit model generates: the same greedy tokens and
// log-probabilities within 1e-3. Every output is still one whole dot product
// summed in the same order (see tp_exchange.h), so in fact the logits are
// bit-identical, and the tests hold the split to that: a last-bit change
// would flip fp16/int8 activation roundings downstream and could move
// log-probabilities by 1e-2 on another prompt.

import { logSoftmax } from './log-softmax';
import { LlamaModel } from './llama-model';
import { ModelBatch } from './model-batch';
import { sequenceBatch } from './generate-greedy';
import { goldenModelPath } from './test-utils/golden';
import { SynthModel, synthModel } from './test-utils/synth-model';

const BLOCK = 16;
const STEPS = 12;

/** Prompts of mixed lengths; the 70-token one takes the long-prefill attention. */
function prompts(vocab: number): number[][] {
  return [1, 5, 23, 70].map((n, p) => Array.from({ length: n }, (_, i) => (p * 7919 + i * 104729 + 13) % vocab));
}

interface Run {
  tokens: number[];
  /** Log-probabilities of the whole vocabulary at every step. */
  logprobs: Float64Array[];
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Greedy generation from `prompt` over blocks from `firstBlock`, keeping every step's log-probabilities. */
async function greedy(model: LlamaModel, prompt: number[], firstBlock: number): Promise<Run> {
  const run: Run = { tokens: [], logprobs: [] };
  let input = prompt;
  let pos = 0;
  for (let i = 0; i < STEPS; i++) {
    const logits = await model.forward(sequenceBatch(model, input, pos, firstBlock));
    const token = argmax(logits);
    run.tokens.push(token);
    run.logprobs.push(logSoftmax(logits));
    pos += input.length;
    input = [token];
  }
  return run;
}

function maxDiff(a: Float64Array[], b: Float64Array[]): number {
  let m = 0;
  a.forEach((row, s) => row.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[s][i])))));
  return m;
}

/** Both prompts of a two-sequence batch at once: each sequence's rows must match its own run. */
function twoSequences(a: number[], b: number[], firstBlock: number): ModelBatch {
  const blocks = (n: number) => Math.ceil(n / BLOCK);
  const max = Math.max(blocks(a.length), blocks(b.length));
  const tables = [0, 1].flatMap((s) => Array.from({ length: max }, (_, i) => firstBlock + s * max + i));
  const slots = [a, b].flatMap((p, s) => p.map((_, i) => tables[s * max + Math.floor(i / BLOCK)] * BLOCK + (i % BLOCK)));
  return {
    tokens: Int32Array.from([...a, ...b]),
    positions: Int32Array.from([...a.keys(), ...b.keys()]),
    seqStarts: Int32Array.of(0, a.length, a.length + b.length),
    seqLens: Int32Array.of(a.length, b.length),
    blockTables: Int32Array.from(tables),
    maxBlocksPerSeq: max,
    slotMapping: Int32Array.from(slots),
    logitRows: Int32Array.of(a.length - 1, a.length + b.length - 1),
  };
}

async function expectSameGeneration(path: string, packWeights = true): Promise<void> {
  const load = (tensorParallel: number) => LlamaModel.load(path, { threads: 2, kvBlocks: 64, blockSize: BLOCK, tensorParallel, packWeights });
  const [one, two] = [await load(1), await load(2)];
  try {
    expect(two.tensorParallel).toBe(2);
    for (const prompt of prompts(one.nVocab)) {
      const [a, b] = [await greedy(one, prompt, 0), await greedy(two, prompt, 0)];
      expect(b.tokens).toEqual(a.tokens);
      expect(maxDiff(a.logprobs, b.logprobs)).toBeLessThanOrEqual(1e-3);
      expect(b.logprobs).toEqual(a.logprobs);
    }
    // A batch of two sequences through the split model: the same logits as the unsplit one.
    const [p, q] = prompts(one.nVocab).slice(1, 3);
    const [x, y] = [await one.forward(twoSequences(p, q, 10)), await two.forward(twoSequences(p, q, 10))];
    expect(y).toEqual(x);
  } finally {
    one.close();
    two.close();
  }
}

describe('tensorParallel: 2 on CPU', () => {
  // Q4_K_M: 256-element blocks, and still nothing is cut (slices are whole rows).
  it.each(['f32', 'F16', 'Q8_0', 'Q4_0', 'Q4_K_M'])('generates what one rank generates on micro-%s', async (type) => {
    await expectSameGeneration(goldenModelPath(type));
  });

  it('generates what one rank generates from unpacked (mapped) weight slices', async () => {
    await expectSameGeneration(goldenModelPath('Q8_0'), false);
  });

  describe('on a synthesized model with 6 heads over 2 KV heads and a tied output', () => {
    let synth: SynthModel;
    beforeAll(() => {
      synth = synthModel('tiny', 'f16');
    });
    afterAll(() => synth.remove());

    it('generates what one rank generates', async () => {
      await expectSameGeneration(synth.path);
    });

    it('refuses 4 ranks, which do not divide 6 heads', async () => {
      await expect(LlamaModel.load(synth.path, { tensorParallel: 4, kvBlocks: 8 })).rejects.toMatchObject({
        code: 'ETENSORPARALLEL',
        message: expect.stringMatching(/attention heads \(6\), the KV heads \(2\).*this model can use 1, 2$/),
      });
    });
  });

  it('splits the KV pool: each rank holds its KV heads', async () => {
    const [one, two] = await Promise.all([1, 2].map((n) => LlamaModel.load(goldenModelPath('Q8_0'), { kvBlocks: 8, tensorParallel: n })));
    expect(two.kvCacheBytes).toBe(one.kvCacheBytes);
    expect(two.threads).toBe(2);
    one.close();
    two.close();
  });

  it('refuses rank counts that do not divide the heads, and bad values', async () => {
    await expect(LlamaModel.load(goldenModelPath('f32'), { tensorParallel: 3, kvBlocks: 8 })).rejects.toMatchObject({
      code: 'ETENSORPARALLEL',
      message: expect.stringMatching(/^tensorParallel 3 must divide the attention heads \(4\)/),
    });
    await expect(LlamaModel.load(goldenModelPath('f32'), { tensorParallel: 0 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(LlamaModel.load(goldenModelPath('f32'), { tensorParallel: 1.5 })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
