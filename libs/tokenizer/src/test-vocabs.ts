import { BYTE_TO_CHAR } from './byte-level';
import type { TokenizerMetadata } from './metadata';

/**
 * Small vocabularies built in code, for tests and benchmarks: they exercise
 * each tokenizer path without needing a model file.
 */

export interface ExtraToken {
  text: string;
  /** llama.cpp token type: 3 control, 4 user-defined, ... */
  type: number;
}

/**
 * Byte-level BPE vocabulary: the 256 byte characters (id = byte value), one
 * token per merge (written in the byte-level alphabet, e.g. "Ġ t"), then extras.
 */
export function byteLevelVocab(options: { merges: string[]; pre: string; extra?: ExtraToken[]; addBos?: boolean; chatTemplate?: string }): TokenizerMetadata {
  const tokens = [...BYTE_TO_CHAR];
  const types = tokens.map(() => 1);
  const ids = new Map(tokens.map((t, i) => [t, i]));
  const add = (text: string, type: number) => {
    if (ids.has(text)) return;
    ids.set(text, tokens.length);
    tokens.push(text);
    types.push(type);
  };
  for (const merge of options.merges) add(merge.replace(' ', ''), 1);
  for (const t of options.extra ?? []) add(t.text, t.type);
  const id = (text: string) => ids.get(text);
  return {
    model: 'gpt2',
    pre: options.pre,
    tokens,
    tokenTypes: types,
    merges: options.merges,
    bosId: id('<|begin_of_text|>'),
    eosId: id('<|end_of_text|>'),
    addBos: options.addBos,
    chatTemplate: options.chatTemplate,
  };
}

/**
 * SentencePiece vocabulary: <unk>, <s>, </s>, the 256 <0xXX> byte tokens, then
 * the given pieces ("▁" marks a space) with their scores.
 */
export function sentencePieceVocab(pieces: Array<[string, number]>, extra: ExtraToken[] = [], addSpacePrefix?: boolean): TokenizerMetadata {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  const scores = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
    scores.push(0);
  }
  for (const [text, score] of pieces) {
    tokens.push(text);
    types.push(1);
    scores.push(score);
  }
  for (const t of extra) {
    tokens.push(t.text);
    types.push(t.type);
    scores.push(0);
  }
  return { model: 'llama', tokens, tokenTypes: types, scores: Float32Array.from(scores), bosId: 1, eosId: 2, unkId: 0, addSpacePrefix };
}
