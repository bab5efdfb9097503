import type { SchedulerOutput } from './scheduler';

/**
 * The flattened input of one forward call, in the layout native code reads:
 * every scheduled token in sequence order, with where its K/V go (slot mapping)
 * and where each sequence's earlier K/V live (block tables).
 */
export interface ForwardBatch {
  tokens: Int32Array;
  positions: Int32Array;
  /** n_seqs + 1 offsets into `tokens`. */
  seqStarts: Int32Array;
  /** Context length of each sequence after this step (earlier tokens + new ones). */
  seqLens: Int32Array;
  /** n_seqs × maxBlocksPerSeq block ids, padded with -1. */
  blockTables: Int32Array;
  maxBlocksPerSeq: number;
  /** Per token: blockId * blockSize + offset in block. */
  slotMapping: Int32Array;
  /** Indices into `tokens` whose logits are wanted (last token of each sampling sequence). */
  logitRows: Int32Array;
  /** Sequence ids of `logitRows`, in the same order. */
  logitSeqIds: string[];
}

export function buildForwardBatch(output: SchedulerOutput, blockSize: number): ForwardBatch {
  const { scheduled } = output;
  const numTokens = scheduled.reduce((n, s) => n + s.numNewTokens, 0);
  const maxBlocksPerSeq = Math.max(1, ...scheduled.map((s) => s.seq.blockTable.length));
  const tokens = new Int32Array(numTokens);
  const positions = new Int32Array(numTokens);
  const slotMapping = new Int32Array(numTokens);
  const seqStarts = new Int32Array(scheduled.length + 1);
  const seqLens = new Int32Array(scheduled.length);
  const blockTables = new Int32Array(scheduled.length * maxBlocksPerSeq).fill(-1);
  const logitRows: number[] = [];
  const logitSeqIds: string[] = [];

  let t = 0;
  scheduled.forEach(({ seq, start, numNewTokens, sample }, s) => {
    seqStarts[s] = t;
    seqLens[s] = start + numNewTokens;
    blockTables.set(seq.blockTable, s * maxBlocksPerSeq);
    for (let p = start; p < start + numNewTokens; p++, t++) {
      tokens[t] = seq.tokenIds[p];
      positions[t] = p;
      slotMapping[t] = seq.blockTable[Math.floor(p / blockSize)] * blockSize + (p % blockSize);
    }
    if (sample) {
      logitRows.push(t - 1);
      logitSeqIds.push(seq.id);
    }
  });
  seqStarts[scheduled.length] = t;
  return { tokens, positions, seqStarts, seqLens, blockTables, maxBlocksPerSeq, slotMapping, logitRows: Int32Array.from(logitRows), logitSeqIds };
}
