// Greedy generation speed of a model on this machine: prefill a short prompt,
// then time one-token decode steps (the prefill is not counted), as a
// single-stream tokens/s figure for the report.

import { LlamaModel, sequenceBatch } from '@tessera/engine';

export async function generationTokensPerSecond(path: string, opts: { threads: number; tokens: number; signal?: AbortSignal }): Promise<number> {
  const prompt = [1, 2, 3, 4, 5, 6, 7, 8];
  const blockSize = 16;
  const model = await LlamaModel.load(path, { threads: opts.threads, blockSize, kvBlocks: Math.ceil((prompt.length + opts.tokens + 1) / blockSize) });
  try {
    const ids = prompt.map((t) => t % model.nVocab);
    let logits = await model.forward(sequenceBatch(model, ids, 0, 0));
    let pos = ids.length;
    const started = process.hrtime.bigint();
    for (let i = 0; i < opts.tokens; i++) {
      opts.signal?.throwIfAborted();
      const next = argmax(logits);
      logits = await model.forward(sequenceBatch(model, [next], pos, 0), logits); // argmax has read it
      pos++;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return opts.tokens / seconds;
  } finally {
    model.close();
  }
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}
