// SentencePiece-style vocabularies from tokenizer.json -> `tokenizer.ggml.model`
// = "llama": tokens, scores and types. Two shapes are accepted: a BPE model
// with byte_fallback (Llama 2, Mistral, TinyLlama) and a Unigram model.
//
// Scores: a Unigram vocabulary carries its own. For BPE the reference writes a
// constant -1000, which makes llama.cpp's SentencePiece merger (it merges the
// highest-scoring pair first) ignore merge priority; we write -id instead,
// the SentencePiece-BPE convention (pieces are stored in merge order), so the
// GGUF tokenizes like the source. Byte, control and unknown pieces score 0.

import { ConvertError } from '../errors';
import { KvList } from '../gguf-kv';
import { TokenType } from './token-types';
import { TokenizerFiles, bpeVocab } from './tokenizer-files';

const BYTE_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;

interface Piece {
  text: string;
  score: number;
  type: number;
}

function fromBpe(files: TokenizerFiles): Map<number, Piece> {
  const unk = typeof files.model.unk_token === 'string' ? files.model.unk_token : undefined;
  const special = new Set(files.addedTokens.filter((a) => a.special).map((a) => a.id));
  const out = new Map<number, Piece>();
  for (const [text, id] of bpeVocab(files.model)) {
    let type: number = TokenType.NORMAL;
    if (text === unk) type = TokenType.UNKNOWN;
    else if (BYTE_PIECE.test(text)) type = TokenType.BYTE;
    else if (special.has(id)) type = TokenType.CONTROL;
    out.set(id, { text, score: type === TokenType.NORMAL ? -id : 0, type });
  }
  return out;
}

function fromUnigram(files: TokenizerFiles): Map<number, Piece> {
  const vocab = files.model.vocab;
  if (!Array.isArray(vocab)) throw new ConvertError('CONVERT_BAD_TOKENIZER', 'tokenizer.json: Unigram model.vocab must be an array of [piece, score]');
  const unkId = typeof files.model.unk_id === 'number' ? files.model.unk_id : -1;
  const byteFallback = files.model.byte_fallback === true;
  const special = new Set(files.addedTokens.filter((a) => a.special).map((a) => a.id));
  const out = new Map<number, Piece>();
  vocab.forEach((entry, id) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
      throw new ConvertError('CONVERT_BAD_TOKENIZER', `tokenizer.json: Unigram vocab entry ${id} is not [piece, score]`);
    }
    const text = entry[0];
    let type: number = TokenType.NORMAL;
    if (id === unkId) type = TokenType.UNKNOWN;
    else if (byteFallback && BYTE_PIECE.test(text)) type = TokenType.BYTE;
    else if (special.has(id)) type = TokenType.CONTROL;
    out.set(id, { text, score: entry[1], type });
  });
  return out;
}

/** True when tokenizer.json holds a SentencePiece-style model rather than byte-level BPE. */
export function isSentencePieceStyle(files: TokenizerFiles): boolean {
  const t = files.model.type;
  return t === 'Unigram' || (t === 'BPE' && files.model.byte_fallback === true);
}

export function addSpmVocabKeys(kv: KvList, files: TokenizerFiles, nVocab: number): void {
  const pieces = files.model.type === 'Unigram' ? fromUnigram(files) : fromBpe(files);
  for (const a of files.addedTokens) {
    if (pieces.has(a.id)) continue;
    pieces.set(a.id, { text: a.content, score: 0, type: a.special ? TokenType.CONTROL : TokenType.USER_DEFINED });
  }
  const maxId = Math.max(...pieces.keys());
  if (maxId >= nVocab) {
    throw new ConvertError('CONVERT_BAD_TOKENIZER', `tokenizer has token id ${maxId} but config.json vocab_size is ${nVocab}`);
  }
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  for (let i = 0; i < nVocab; i++) {
    const p = pieces.get(i) ?? { text: `[PAD${i}]`, score: -1000, type: TokenType.UNUSED };
    tokens.push(p.text);
    scores.push(p.score);
    types.push(p.type);
  }
  kv.string('tokenizer.ggml.model', 'llama');
  kv.string('tokenizer.ggml.pre', 'default');
  kv.strings('tokenizer.ggml.tokens', tokens);
  kv.f32s('tokenizer.ggml.scores', scores);
  kv.i32s('tokenizer.ggml.token_type', types);
}
