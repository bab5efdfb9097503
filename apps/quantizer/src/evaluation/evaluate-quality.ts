// Runs a quantized model and its source over the built-in calibration text
// with the reference perplexity tool's layout (n_ctx chunks, BOS first,
// second half scored) and compares their next-token distributions. Both
// models use the same native forward path as serving, so the numbers describe
// what users will get.

import { LlamaModel, ModelBatch, llamaHParams, sequenceBatch } from '@tessera/engine';
import { readGGUF } from '@tessera/gguf';
import { QualityStats, QualitySummary, calibrationText, encodeBaseLogProbs, evalChunks, scoreToken, scoredPositions } from '@tessera/quant';
import { Tokenizer } from '@tessera/tokenizer';

export interface EvaluateOptions {
  /** Tokens per chunk (capped by the model's training context). */
  readonly nCtx: number;
  readonly maxChunks: number;
  readonly threads: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (chunksDone: number, chunks: number) => void;
}

const BLOCK = 16;

export async function evaluateQuality(basePath: string, quantPath: string, opts: EvaluateOptions): Promise<QualitySummary> {
  const file = await readGGUF(basePath);
  const tokenizer = Tokenizer.fromGGUF(file);
  const nCtxTrain = llamaHParams(file).nCtxTrain;
  const nCtx = Math.min(opts.nCtx, nCtxTrain);
  const text = calibrationText(Math.ceil(nCtx * opts.maxChunks * 1.5) + 64);
  const tokens = tokenizer.encode(text);
  const chunks = evalChunks(tokens, { nCtx, bosId: tokenizer.addBos ? tokenizer.bosId : undefined, maxChunks: opts.maxChunks });
  const load = { threads: opts.threads, kvBlocks: Math.ceil(nCtx / BLOCK), blockSize: BLOCK };
  const base = await LlamaModel.load(basePath, load);
  const quant = await LlamaModel.load(quantPath, load).catch((err) => {
    base.close();
    throw err;
  });
  try {
    if (base.nVocab !== quant.nVocab) throw new RangeError(`the models' vocabularies differ (${base.nVocab} vs ${quant.nVocab}); evaluate a model against its own source`);
    const positions = scoredPositions(nCtx);
    const stats = new QualityStats();
    for (let c = 0; c < chunks.length; c++) {
      opts.signal?.throwIfAborted();
      const batch = (m: LlamaModel): ModelBatch => ({ ...sequenceBatch(m, chunks[c].input, 0, 0), logitRows: Int32Array.from(positions) });
      const baseLogits = await base.forward(batch(base));
      const quantLogits = await quant.forward(batch(quant));
      const nv = base.nVocab;
      positions.forEach((p, r) => {
        const row = (all: Float32Array) => all.subarray(r * nv, (r + 1) * nv);
        stats.add(scoreToken(encodeBaseLogProbs(row(baseLogits)), row(quantLogits), chunks[c].original[p + 1]));
      });
      opts.onProgress?.(c + 1, chunks.length);
    }
    return stats.summary();
  } finally {
    base.close();
    quant.close();
  }
}
