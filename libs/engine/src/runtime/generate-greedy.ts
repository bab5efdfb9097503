// Greedy decoding of one sequence with a private block table: prefill the
// prompt in one step, then one token per step. A reference driver for tests
// and tools; the real scheduler and block manager batch many sequences.

import { RuntimeError } from './errors';
import { ModelBatch } from './model-batch';
import { LlamaModel } from './llama-model';
import { TokenLogprob, topLogprobs } from './log-softmax';

export interface GreedyStep {
  token: number;
  /** The most likely tokens of this step (empty unless topLogprobs > 0). */
  top: TokenLogprob[];
}

export interface GreedyOptions {
  /** How many top log-probabilities to report per step (default 0). */
  topLogprobs?: number;
  /** First KV block to use; blocks firstBlock.. are taken in order (default 0). */
  firstBlock?: number;
}

/** A single-sequence batch over blocks firstBlock, firstBlock+1, ... */
export function sequenceBatch(model: LlamaModel, tokens: number[], startPos: number, firstBlock: number): ModelBatch {
  const bs = model.blockSize;
  const seqLen = startPos + tokens.length;
  const nBlocks = Math.ceil(seqLen / bs);
  if (firstBlock + nBlocks > model.kvBlocks) {
    throw new RuntimeError('EINVAL', `a sequence of ${seqLen} tokens needs ${nBlocks} KV blocks from block ${firstBlock}; the pool has ${model.kvBlocks}`);
  }
  const blockTables = Int32Array.from({ length: nBlocks }, (_, i) => firstBlock + i);
  const positions = Int32Array.from(tokens, (_, i) => startPos + i);
  return {
    tokens: Int32Array.from(tokens),
    positions,
    seqStarts: Int32Array.of(0, tokens.length),
    seqLens: Int32Array.of(seqLen),
    blockTables,
    maxBlocksPerSeq: nBlocks,
    slotMapping: Int32Array.from(positions, (p) => (firstBlock + Math.floor(p / bs)) * bs + (p % bs)),
    logitRows: Int32Array.of(tokens.length - 1),
  };
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Generates `n` tokens greedily after `prompt`. */
export async function generateGreedy(model: LlamaModel, prompt: number[], n: number, options: GreedyOptions = {}): Promise<GreedyStep[]> {
  if (prompt.length === 0) throw new RuntimeError('EINVAL', 'the prompt must hold at least one token');
  const k = options.topLogprobs ?? 0;
  const firstBlock = options.firstBlock ?? 0;
  const steps: GreedyStep[] = [];
  let input = prompt;
  let pos = 0;
  const row = new Float32Array(model.nVocab); // each step's logits are read before the next step
  for (let i = 0; i < n; i++) {
    const logits = await model.forward(sequenceBatch(model, input, pos, firstBlock), row);
    const token = argmax(logits);
    steps.push({ token, top: k > 0 ? topLogprobs(logits, k) : [] });
    pos += input.length;
    input = [token];
  }
  return steps;
}
