import { TokenizerError } from './errors';

/**
 * Everything a tokenizer needs, as plain values. This is the shape of the
 * `tokenizer.*` keys of a GGUF file, decoupled from how the file was read.
 */
export interface TokenizerMetadata {
  /** `tokenizer.ggml.model`: "gpt2" (byte-level BPE) or "llama" (SentencePiece). */
  model: string;
  /** `tokenizer.ggml.pre`: pre-tokenizer name for BPE ("default", "llama-bpe", "qwen2", "gpt-2", ...). */
  pre?: string;
  tokens: readonly string[];
  scores?: ArrayLike<number>;
  /** llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte. */
  tokenTypes?: ArrayLike<number>;
  /** BPE merges, "left right"; the rank is the index. */
  merges?: readonly string[];
  bosId?: number;
  eosId?: number;
  eotId?: number;
  eomId?: number;
  unkId?: number;
  padId?: number;
  sepId?: number;
  addBos?: boolean;
  addEos?: boolean;
  addSpacePrefix?: boolean;
  chatTemplate?: string;
}

/** Reads one GGUF key; returns undefined when the key is absent. */
export type KVGetter = (key: string) => unknown;

/** Builds TokenizerMetadata from any key/value source (a parsed GGUF file, a JSON dump, a test map). */
export function metadataFromKV(get: KVGetter): TokenizerMetadata {
  const model = get('tokenizer.ggml.model');
  if (typeof model !== 'string') {
    throw new TokenizerError('TOKENIZER_MISSING_KEY', 'tokenizer.ggml.model is missing: the file carries no tokenizer; convert the model again with its tokenizer files.');
  }
  const tokens = get('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) {
    throw new TokenizerError('TOKENIZER_MISSING_KEY', 'tokenizer.ggml.tokens is missing or is not an array of strings.');
  }
  return {
    model,
    pre: optString(get, 'tokenizer.ggml.pre'),
    tokens: tokens as string[],
    scores: optNumbers(get, 'tokenizer.ggml.scores'),
    tokenTypes: optNumbers(get, 'tokenizer.ggml.token_type'),
    merges: optStrings(get, 'tokenizer.ggml.merges'),
    bosId: optNumber(get, 'tokenizer.ggml.bos_token_id'),
    eosId: optNumber(get, 'tokenizer.ggml.eos_token_id'),
    eotId: optNumber(get, 'tokenizer.ggml.eot_token_id'),
    eomId: optNumber(get, 'tokenizer.ggml.eom_token_id'),
    unkId: optNumber(get, 'tokenizer.ggml.unknown_token_id'),
    padId: optNumber(get, 'tokenizer.ggml.padding_token_id'),
    sepId: optNumber(get, 'tokenizer.ggml.seperator_token_id'),
    addBos: optBool(get, 'tokenizer.ggml.add_bos_token'),
    addEos: optBool(get, 'tokenizer.ggml.add_eos_token'),
    addSpacePrefix: optBool(get, 'tokenizer.ggml.add_space_prefix'),
    chatTemplate: optString(get, 'tokenizer.chat_template'),
  };
}

function optString(get: KVGetter, key: string): string | undefined {
  const v = get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badType(key, 'a string');
  return v;
}

function optNumber(get: KVGetter, key: string): number | undefined {
  const v = get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number') throw badType(key, 'an integer');
  return v;
}

function optBool(get: KVGetter, key: string): boolean | undefined {
  const v = get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw badType(key, 'a boolean');
  return v;
}

function optNumbers(get: KVGetter, key: string): ArrayLike<number> | undefined {
  const v = get(key);
  if (v === undefined) return undefined;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as unknown as ArrayLike<number>;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  throw badType(key, 'an array of numbers');
}

function optStrings(get: KVGetter, key: string): string[] | undefined {
  const v = get(key);
  if (v === undefined) return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw badType(key, 'an array of strings');
}

function badType(key: string, want: string): TokenizerError {
  return new TokenizerError('TOKENIZER_BAD_METADATA', `${key} must be ${want}; the GGUF metadata is malformed.`);
}
