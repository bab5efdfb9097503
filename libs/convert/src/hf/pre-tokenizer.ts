// Names the pre-tokenizer (`tokenizer.ggml.pre`) of a byte-level BPE
// tokenizer. The reference converter hashes the output of the Python
// tokenizer on a probe text; we cannot run it, so we recognise the
// pre_tokenizer section of tokenizer.json instead: the split regex is what
// distinguishes these families.

import { ConvertError } from '../errors';

type Json = Record<string, unknown>;

/** Llama 3's split regex (also used by many later models). */
export const LLAMA3_SPLIT_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Qwen2's: like Llama 3 but single digits. */
export const QWEN2_SPLIT_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const KNOWN_SPLITS: Record<string, string> = {
  [LLAMA3_SPLIT_REGEX]: 'llama-bpe',
  [QWEN2_SPLIT_REGEX]: 'qwen2',
};

function flatten(pre: unknown): Json[] {
  if (typeof pre !== 'object' || pre === null) return [];
  const p = pre as Json;
  if (p.type === 'Sequence' && Array.isArray(p.pretokenizers)) return p.pretokenizers.flatMap(flatten);
  return [p];
}

function splitPattern(p: Json): string | undefined {
  const pat = p.pattern as Json | undefined;
  if (typeof pat?.Regex === 'string') return pat.Regex;
  if (typeof pat?.String === 'string') return pat.String;
  return undefined;
}

export function detectPreTokenizer(tokenizer: Json): string {
  const parts = flatten(tokenizer.pre_tokenizer);
  const splits = parts.filter((p) => p.type === 'Split');
  const byteLevel = parts.find((p) => p.type === 'ByteLevel');
  const digits = parts.find((p) => p.type === 'Digits');
  if (splits.length === 1) {
    const pattern = splitPattern(splits[0]);
    const name = pattern === undefined ? undefined : KNOWN_SPLITS[pattern];
    if (name) return name;
  }
  if (splits.length === 0 && byteLevel && byteLevel.use_regex !== false) {
    // ByteLevel with its built-in GPT-2 regex.
    if (digits?.individual_digits === true) return 'smollm';
    if (!digits) return 'default';
  }
  throw new ConvertError(
    'CONVERT_UNSUPPORTED_TOKENIZER',
    `the BPE pre-tokenizer in tokenizer.json is not recognised (${JSON.stringify(tokenizer.pre_tokenizer).slice(0, 200)}); ` +
      `pass the llama.cpp pre-tokenizer name explicitly (option "pre", e.g. 'llama-bpe', 'qwen2', 'default')`,
  );
}
