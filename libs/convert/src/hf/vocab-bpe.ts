// Byte-level BPE (GPT-2 family, Llama 3, Qwen2) -> `tokenizer.ggml.model` =
// "gpt2": the token list in id order (holes become [PAD{i}] fillers), token
// types (NORMAL; CONTROL for special added tokens; USER_DEFINED for other
// added tokens; UNUSED fillers) and the merges as "left right" strings.

import { ConvertError } from '../errors';
import { KvList } from '../gguf-kv';
import { TokenType, looksSpecial } from './token-types';
import { TokenizerFiles, bpeVocab } from './tokenizer-files';

/** Spaces inside merge parts (the pair format allows them) are stored as U+0120 'Ġ'. */
function encodeMergePart(part: string): string {
  return part.replace(/ /g, '\u0120');
}

export function readMerges(model: Record<string, unknown>): string[] {
  const merges = model.merges;
  if (!Array.isArray(merges)) throw new ConvertError('CONVERT_BAD_TOKENIZER', 'tokenizer.json: model.merges must be an array');
  return merges.map((m, i) => {
    if (typeof m === 'string') {
      if (m.indexOf(' ', 1) < 0) throw new ConvertError('CONVERT_BAD_TOKENIZER', `tokenizer.json: merge ${i} "${m}" has no separating space`);
      return m;
    }
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      return `${encodeMergePart(m[0])} ${encodeMergePart(m[1])}`;
    }
    throw new ConvertError('CONVERT_BAD_TOKENIZER', `tokenizer.json: merge ${i} is neither "a b" nor ["a", "b"]`);
  });
}

export function addBpeVocabKeys(kv: KvList, files: TokenizerFiles, nVocab: number, pre: string): void {
  const byId = new Map<number, string>();
  for (const [tok, id] of bpeVocab(files.model)) byId.set(id, tok);
  const added = new Map<number, { content: string; special: boolean }>();
  for (const a of files.addedTokens) {
    byId.set(a.id, a.content);
    added.set(a.id, a);
  }
  const maxId = Math.max(...byId.keys());
  if (maxId >= nVocab) {
    throw new ConvertError(
      'CONVERT_BAD_TOKENIZER',
      `tokenizer has token id ${maxId} but config.json vocab_size is ${nVocab}; the embedding matrix has no row for it`,
    );
  }
  const tokens: string[] = [];
  const types: number[] = [];
  for (let i = 0; i < nVocab; i++) {
    const tok = byId.get(i);
    const a = added.get(i);
    if (tok === undefined) {
      tokens.push(`[PAD${i}]`);
      types.push(TokenType.UNUSED);
    } else if (a) {
      const control = a.special || looksSpecial(tok);
      tokens.push(control ? tok : tok.replace(/\u2581/g, ' '));
      types.push(control ? TokenType.CONTROL : TokenType.USER_DEFINED);
    } else {
      tokens.push(tok);
      types.push(TokenType.NORMAL);
    }
  }
  kv.string('tokenizer.ggml.model', 'gpt2');
  kv.string('tokenizer.ggml.pre', pre);
  kv.strings('tokenizer.ggml.tokens', tokens);
  kv.i32s('tokenizer.ggml.token_type', types);
  kv.strings('tokenizer.ggml.merges', readMerges(files.model));
}
