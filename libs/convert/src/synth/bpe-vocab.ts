// The deterministic byte-level BPE vocabulary of synthesized models:
//   ids 0..255      the 256 byte tokens, id = byte value, in GPT-2's
//                   byte-to-unicode form ("Ā" is byte 0, "Ġ" is the space);
//   then            one token per merge, learned on the built-in corpus
//                   (and extended by the trainer's documented rule for
//                   vocabularies larger than the corpus supports);
//   last            the special tokens, in the order given.
// The result depends only on (vocabSize, specialTokens, seed).

import { ConvertError } from '../errors';
import { TokenType } from '../hf/token-types';
import { BYTE_TO_UNICODE, toByteLevel } from './bytes-to-unicode';
import { trainBpe } from './bpe-trainer';
import { generateCorpus } from './corpus';

export const DEFAULT_SPECIAL_TOKENS = ['<|begin_of_text|>', '<|end_of_text|>', '<|im_start|>', '<|im_end|>'] as const;

/** GPT-2's split regex, used to cut the corpus into words before training. */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export interface BpeVocabOptions {
  readonly vocabSize: number;
  readonly specialTokens?: readonly string[];
  readonly seed?: number;
}

export interface BpeVocab {
  /** Token strings in id order (byte-level unicode form; specials verbatim). */
  readonly tokens: string[];
  readonly tokenTypes: number[];
  /** Merges as "left right", rank = index. */
  readonly merges: string[];
  /** Id of each special token by its text. */
  readonly specialIds: Record<string, number>;
  /** Merges learned from the corpus (the rest came from the extension rule). */
  readonly corpusMerges: number;
}

/** Word counts of the corpus after the GPT-2 split. */
export function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(GPT2_SPLIT)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  return counts;
}

/** Lowercase letters ordered by corpus frequency (ties by letter). */
export function lettersByFrequency(counts: Map<string, number>): string[] {
  const freq = new Map<string, number>();
  for (const [w, c] of counts) for (const ch of w) if (ch >= 'a' && ch <= 'z') freq.set(ch, (freq.get(ch) ?? 0) + c);
  return 'abcdefghijklmnopqrstuvwxyz'.split('').sort((a, b) => (freq.get(b) ?? 0) - (freq.get(a) ?? 0) || (a < b ? -1 : 1));
}

export function corpusSizeFor(vocabSize: number): number {
  return Math.min(400_000, Math.max(40_000, vocabSize * 12));
}

const cache = new Map<string, BpeVocab>();

export function buildBpeVocab(opts: BpeVocabOptions): BpeVocab {
  const specials = [...(opts.specialTokens ?? DEFAULT_SPECIAL_TOKENS)];
  const seed = opts.seed ?? 0;
  const key = JSON.stringify([opts.vocabSize, specials, seed]);
  const hit = cache.get(key);
  if (hit) return hit;
  const numMerges = opts.vocabSize - 256 - specials.length;
  if (!Number.isInteger(numMerges) || numMerges < 0) {
    throw new ConvertError('CONVERT_BAD_OPTION', `vocabSize ${opts.vocabSize} is too small: it needs 256 byte tokens + ${specials.length} special tokens`);
  }
  const counts = countWords(generateCorpus(corpusSizeFor(opts.vocabSize), seed));
  const words = [...counts].map(([w, count]) => ({ symbols: [...toByteLevel(w)], count }));
  const letters = lettersByFrequency(counts);
  const trained = trainBpe({
    words,
    baseTokens: BYTE_TO_UNICODE,
    numMerges,
    extensionParts: letters,
    canExtend: (t) => /^\u0120?[a-z]+$/.test(t),
  });
  const tokens = [...trained.tokens, ...specials];
  const tokenTypes = tokens.map((_, i) => (i < trained.tokens.length ? TokenType.NORMAL : TokenType.CONTROL));
  const specialIds: Record<string, number> = {};
  specials.forEach((s, i) => (specialIds[s] = trained.tokens.length + i));
  const vocab: BpeVocab = {
    tokens,
    tokenTypes,
    merges: trained.merges.map(([l, r]) => `${l} ${r}`),
    specialIds,
    corpusMerges: trained.corpusMerges,
  };
  cache.set(key, vocab);
  return vocab;
}
