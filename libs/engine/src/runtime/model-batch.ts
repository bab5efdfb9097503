// The input of one forward step: every scheduled sequence's new tokens,
// flattened, plus where each sequence's KV lives (its block table) and where
// each new token's K/V goes (its slot). checkModelBatch() rejects a bad
// batch with a precise message before anything reaches native code.

import { RuntimeError } from './errors';

export interface ModelBatch {
  /** Token ids of all sequences, concatenated. */
  tokens: Int32Array;
  /** Position of each token within its sequence. */
  positions: Int32Array;
  /** nSeqs + 1 offsets into tokens: sequence s owns tokens[seqStarts[s] .. seqStarts[s+1]). */
  seqStarts: Int32Array;
  /** Per sequence: its context length after this step (its last position + 1). */
  seqLens: Int32Array;
  /** nSeqs × maxBlocksPerSeq block ids, -1 padded. */
  blockTables: Int32Array;
  maxBlocksPerSeq: number;
  /** Per token: block * blockSize + offset where its K/V is stored. */
  slotMapping: Int32Array;
  /** Token indices whose logits are returned, in this order. */
  logitRows: Int32Array;
}

export interface BatchLimits {
  nVocab: number;
  kvBlocks: number;
  blockSize: number;
}

function bad(message: string): never {
  throw new RuntimeError('EBADBATCH', `invalid forward batch: ${message}`);
}

function checkInt32(name: string, v: unknown): asserts v is Int32Array {
  if (!(v instanceof Int32Array)) throw new RuntimeError('EINVAL', `batch.${name} must be an Int32Array`);
}

/** Throws RuntimeError (EINVAL / EBADBATCH) unless `b` is consistent. */
export function checkModelBatch(b: ModelBatch, limits: BatchLimits): void {
  for (const key of ['tokens', 'positions', 'seqStarts', 'seqLens', 'blockTables', 'slotMapping', 'logitRows'] as const) {
    checkInt32(key, b[key]);
  }
  const nTokens = b.tokens.length;
  const nSeqs = b.seqLens.length;
  const { blockSize, kvBlocks, nVocab } = limits;
  if (nTokens === 0) bad('it has no tokens');
  if (b.positions.length !== nTokens) bad(`positions has ${b.positions.length} entries for ${nTokens} tokens`);
  if (b.slotMapping.length !== nTokens) bad(`slotMapping has ${b.slotMapping.length} entries for ${nTokens} tokens`);
  if (b.seqStarts.length !== nSeqs + 1) bad(`seqStarts needs nSeqs + 1 = ${nSeqs + 1} entries, got ${b.seqStarts.length}`);
  if (!Number.isInteger(b.maxBlocksPerSeq) || b.maxBlocksPerSeq < 1) bad('maxBlocksPerSeq must be a positive integer');
  if (b.blockTables.length !== nSeqs * b.maxBlocksPerSeq) bad(`blockTables needs nSeqs × maxBlocksPerSeq = ${nSeqs * b.maxBlocksPerSeq} entries`);
  if (b.seqStarts[0] !== 0 || b.seqStarts[nSeqs] !== nTokens) bad('seqStarts must begin at 0 and end at the token count');
  for (let s = 0; s < nSeqs; s++) {
    const begin = b.seqStarts[s];
    const end = b.seqStarts[s + 1];
    const len = b.seqLens[s];
    if (end <= begin) bad(`sequence ${s} has no tokens (seqStarts must increase)`);
    if (len < 1 || len > b.maxBlocksPerSeq * blockSize) bad(`seqLens[${s}] = ${len} does not fit ${b.maxBlocksPerSeq} blocks of ${blockSize}`);
    const table = b.blockTables.subarray(s * b.maxBlocksPerSeq, (s + 1) * b.maxBlocksPerSeq);
    for (let i = 0; i < Math.ceil(len / blockSize); i++) {
      if (!(table[i] >= 0 && table[i] < kvBlocks)) bad(`sequence ${s} needs a block for positions ${i * blockSize}.. but its table holds ${table[i]}`);
    }
    for (let t = begin; t < end; t++) {
      const pos = b.positions[t];
      if (!(b.tokens[t] >= 0 && b.tokens[t] < nVocab)) bad(`token ${t} has id ${b.tokens[t]}, outside the vocabulary of ${nVocab}`);
      if (!(pos >= 0 && pos < len)) bad(`token ${t} is at position ${pos}, outside sequence ${s}'s length ${len}`);
      const slot = table[Math.floor(pos / blockSize)] * blockSize + (pos % blockSize);
      if (b.slotMapping[t] !== slot) bad(`slotMapping[${t}] = ${b.slotMapping[t]} but the block table puts position ${pos} at slot ${slot}`);
    }
  }
  for (const r of b.logitRows) if (!(r >= 0 && r < nTokens)) bad(`logitRows holds ${r}, which is not a token index`);
}
