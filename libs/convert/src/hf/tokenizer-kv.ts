// All tokenizer.* keys for a model directory: picks the vocabulary flavour
// from tokenizer.json, then adds special tokens, flags and chat templates.

import { ConvertError } from '../errors';
import { KvList } from '../gguf-kv';
import { LlamaHParams } from './config';
import { detectPreTokenizer } from './pre-tokenizer';
import { addSpecialVocabKeys, readSpecialVocab } from './special-tokens';
import { readTokenizerFiles } from './tokenizer-files';
import { addBpeVocabKeys } from './vocab-bpe';
import { addSpmVocabKeys, isSentencePieceStyle } from './vocab-spm';

export interface TokenizerKeyOptions {
  /** Overrides pre-tokenizer detection for byte-level BPE (e.g. 'llama-bpe'). */
  readonly pre?: string;
}

export function addTokenizerKeys(kv: KvList, dir: string, hp: LlamaHParams, opts: TokenizerKeyOptions = {}): void {
  const files = readTokenizerFiles(dir);
  const nVocab = hp.vocabSize;
  if (isSentencePieceStyle(files)) {
    addSpmVocabKeys(kv, files, nVocab);
    const prefix = files.config?.add_prefix_space;
    if (typeof prefix === 'boolean') kv.bool('tokenizer.ggml.add_space_prefix', prefix);
  } else if (files.model.type === 'BPE') {
    addBpeVocabKeys(kv, files, nVocab, opts.pre ?? detectPreTokenizer(files.tokenizer));
  } else {
    throw new ConvertError(
      'CONVERT_UNSUPPORTED_TOKENIZER',
      `tokenizer model type '${String(files.model.type)}' is not supported (byte-level BPE, BPE with byte_fallback and Unigram are)`,
    );
  }
  addSpecialVocabKeys(kv, readSpecialVocab(files, hp, nVocab));
}
