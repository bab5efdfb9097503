// The deterministic SentencePiece-style vocabulary of synthesized HF models
// (the Llama 2 / TinyLlama layout, as a tokenizer.json BPE model with
// byte_fallback):
//   0 <unk>, 1 <s>, 2 </s>, 3..258 byte pieces <0x00>..<0xFF>,
//   then the corpus's characters ("▁" stands for a space) by frequency,
//   then one piece per merge (learned on "▁word" units, extended by the
//   trainer's documented rule when the corpus runs out),
//   last the chat tokens <|im_start|>, <|im_end|>.

import { ConvertError } from '../errors';
import { trainBpe } from './bpe-trainer';
import { corpusSizeFor, lettersByFrequency } from './bpe-vocab';
import { generateCorpus } from './corpus';

export const SPM_SPACE = '\u2581';
export const SPM_CONTROL = ['<unk>', '<s>', '</s>'] as const;
export const SPM_CHAT_TOKENS = ['<|im_start|>', '<|im_end|>'] as const;

export interface SpmVocab {
  /** Pieces in id order. */
  readonly pieces: string[];
  /** Merges as [left, right], rank = index. */
  readonly merges: [string, string][];
  readonly unkId: number;
  readonly bosId: number;
  readonly eosId: number;
  /** Ids of the chat tokens (added tokens at the end). */
  readonly chatIds: number[];
}

function byteHex(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

export function buildSpmVocab(vocabSize: number, seed = 0): SpmVocab {
  const text = generateCorpus(corpusSizeFor(vocabSize), seed);
  const counts = new Map<string, number>();
  for (const w of text.split(/\s+/)) if (w) counts.set(SPM_SPACE + w, (counts.get(SPM_SPACE + w) ?? 0) + 1);
  const charFreq = new Map<string, number>();
  for (const [w, c] of counts) for (const ch of w) charFreq.set(ch, (charFreq.get(ch) ?? 0) + c);
  const chars = [...charFreq.keys()].sort((a, b) => charFreq.get(b)! - charFreq.get(a)! || (a < b ? -1 : 1));
  const base = [...SPM_CONTROL, ...Array.from({ length: 256 }, (_, b) => byteHex(b)), ...chars];
  const numMerges = vocabSize - base.length - SPM_CHAT_TOKENS.length;
  if (numMerges < 0) {
    throw new ConvertError('CONVERT_BAD_OPTION', `vocabSize ${vocabSize} is too small for a SentencePiece vocabulary (needs at least ${base.length + SPM_CHAT_TOKENS.length})`);
  }
  const trained = trainBpe({
    words: [...counts].map(([w, count]) => ({ symbols: [...w], count })),
    baseTokens: base,
    numMerges,
    extensionParts: lettersByFrequency(counts),
    canExtend: (t) => /^\u2581?[a-z]+$/.test(t),
  });
  const pieces = [...trained.tokens, ...SPM_CHAT_TOKENS];
  return {
    pieces,
    merges: trained.merges,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    chatIds: SPM_CHAT_TOKENS.map((_, i) => trained.tokens.length + i),
  };
}
