// KV block copies (copy-on-write for forked sequences): after copying a
// sequence's partly filled last block, decoding from the copy gives exactly
// what decoding from the original gives.

import { sequenceBatch } from './generate-greedy';
import { LlamaModel } from './llama-model';
import { ModelBatch } from './model-batch';
import { goldenModelPath } from './test-utils/golden';

const BLOCK = 16;
const PROMPT = Array.from({ length: 20 }, (_, i) => (i * 37 + 11) % 500);

/** One decode step of `token` at `pos` over the given block table. */
function decodeStep(token: number, pos: number, table: number[]): ModelBatch {
  const slot = table[Math.floor(pos / BLOCK)] * BLOCK + (pos % BLOCK);
  return {
    tokens: Int32Array.of(token),
    positions: Int32Array.of(pos),
    seqStarts: Int32Array.of(0, 1),
    seqLens: Int32Array.of(pos + 1),
    blockTables: Int32Array.from(table),
    maxBlocksPerSeq: table.length,
    slotMapping: Int32Array.of(slot),
    logitRows: Int32Array.of(0),
  };
}

/** Greedy continuation of `steps` tokens after the prompt, over `table`. */
async function continueOn(model: LlamaModel, first: number, table: number[], steps: number): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  let token = first;
  for (let i = 0; i < steps; i++) {
    const logits = await model.forward(decodeStep(token, PROMPT.length + i, table));
    out.push(logits);
    token = logits.indexOf(Math.max(...logits));
  }
  return out;
}

describe('LlamaModel.copyBlocks', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await LlamaModel.load(goldenModelPath('Q8_0'), { threads: 2, kvBlocks: 12, blockSize: BLOCK });
  });
  afterAll(() => model.close());

  it('continues from a copied block exactly as from the original', async () => {
    await model.forward(sequenceBatch(model, PROMPT, 0, 0)); // blocks 0 and 1 (partly filled)
    await model.copyBlocks(Int32Array.of(1, 5));
    const original = await continueOn(model, 65, [0, 1], 6);
    // Refill block 1 with the prompt: the decode above wrote positions 20.. into it.
    await model.forward(sequenceBatch(model, PROMPT, 0, 0));
    const fromCopy = await continueOn(model, 65, [0, 5], 6);
    expect(fromCopy).toEqual(original);
  });

  it('copies every layer: a block never copied to gives other logits', async () => {
    await model.forward(sequenceBatch(model, PROMPT, 0, 0));
    await model.copyBlocks(Int32Array.of(0, 7, 1, 8));
    const viaCopies = await continueOn(model, 65, [7, 8], 2);
    const original = await continueOn(model, 65, [0, 1], 2);
    expect(viaCopies).toEqual(original);
    await model.forward(sequenceBatch(model, PROMPT, 0, 0));
    const stale = await continueOn(model, 65, [0, 10], 1); // block 10 holds no prompt keys
    expect(stale[0]).not.toEqual(original[0]);
  });

  it('rejects bad pairs before copying anything', async () => {
    await expect(model.copyBlocks(Int32Array.of(1))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(model.copyBlocks(Int32Array.of(1, 12))).rejects.toMatchObject({ code: 'EBADBLOCK' });
    await expect(model.copyBlocks(Int32Array.of(-1, 3))).rejects.toMatchObject({ code: 'EBADBLOCK' });
    await expect(model.copyBlocks([1, 2] as unknown as Int32Array)).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('runs one call at a time with forward()', async () => {
    const running = model.forward(sequenceBatch(model, PROMPT, 0, 0));
    await expect(model.copyBlocks(Int32Array.of(0, 3))).rejects.toMatchObject({ code: 'EBUSY' });
    await running;
    await expect(model.copyBlocks(Int32Array.of(0, 3))).resolves.toBeUndefined();
  });
});
