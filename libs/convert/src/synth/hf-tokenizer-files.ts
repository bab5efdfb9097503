// tokenizer.json and tokenizer_config.json for synthesized HF models, in the
// shapes transformers writes for Llama 3 (byte-level BPE) and Llama 2
// (SentencePiece-style BPE with byte fallback).

import { LLAMA3_SPLIT_REGEX } from '../hf/pre-tokenizer';
import { BpeVocab } from './bpe-vocab';
import { CHATML_TEMPLATE } from './chat-template';
import { SPM_SPACE, SpmVocab } from './spm-vocab';

type Json = Record<string, unknown>;

export interface HfTokenizerFiles {
  readonly tokenizerJson: Json;
  readonly tokenizerConfig: Json;
  readonly bosId: number;
  readonly eosId: number;
}

function addedToken(id: number, content: string): Json {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

function bosTemplate(bos: string, bosId: number): Json {
  const A = { Sequence: { id: 'A', type_id: 0 } };
  const B = { Sequence: { id: 'B', type_id: 1 } };
  const S = { SpecialToken: { id: bos, type_id: 0 } };
  return {
    type: 'TemplateProcessing',
    single: [S, A],
    pair: [S, A, { SpecialToken: { id: bos, type_id: 1 } }, B],
    special_tokens: { [bos]: { id: bos, ids: [bosId], tokens: [bos] } },
  };
}

function tokenizerConfig(added: Json[], bos: string, eos: string, ctx: number, extra: Json): Json {
  const decoder: Json = {};
  for (const { id, ...rest } of added) decoder[String(id)] = rest;
  return {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: decoder,
    bos_token: bos,
    eos_token: eos,
    chat_template: CHATML_TEMPLATE,
    clean_up_tokenization_spaces: false,
    model_max_length: ctx,
    ...extra,
  };
}

/** Byte-level BPE; `pre` picks the pre-tokenizer ('llama-bpe' = Llama 3's split, 'default' = GPT-2's ByteLevel regex). */
export function bpeTokenizerFiles(v: BpeVocab, bos: string, eos: string, ctx: number, pre: 'default' | 'llama-bpe'): HfTokenizerFiles {
  const specials = Object.entries(v.specialIds).sort((a, b) => a[1] - b[1]);
  const vocab: Json = {};
  const nBase = v.tokens.length - specials.length;
  for (let i = 0; i < nBase; i++) vocab[v.tokens[i]] = i;
  const added = specials.map(([content, id]) => addedToken(id, content));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: pre === 'default' };
  const preTokenizer =
    pre === 'llama-bpe'
      ? { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: LLAMA3_SPLIT_REGEX }, behavior: 'Isolated', invert: false }, byteLevel] }
      : byteLevel;
  const tokenizerJson: Json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: preTokenizer,
    post_processor: { type: 'Sequence', processors: [{ ...byteLevel, use_regex: true }, bosTemplate(bos, v.specialIds[bos])] },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: pre === 'llama-bpe',
      vocab,
      merges: v.merges,
    },
  };
  return {
    tokenizerJson,
    tokenizerConfig: tokenizerConfig(added, bos, eos, ctx, { tokenizer_class: 'PreTrainedTokenizerFast' }),
    bosId: v.specialIds[bos],
    eosId: v.specialIds[eos],
  };
}

export function spmTokenizerFiles(v: SpmVocab, ctx: number): HfTokenizerFiles {
  const vocab: Json = {};
  const nBase = v.pieces.length - v.chatIds.length;
  for (let i = 0; i < nBase; i++) vocab[v.pieces[i]] = i;
  const added = [v.unkId, v.bosId, v.eosId, ...v.chatIds].map((id) => addedToken(id, v.pieces[id]));
  const bos = v.pieces[v.bosId];
  const tokenizerJson: Json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: SPM_SPACE },
        { type: 'Replace', pattern: { String: ' ' }, content: SPM_SPACE },
      ],
    },
    pre_tokenizer: null,
    post_processor: bosTemplate(bos, v.bosId),
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: SPM_SPACE }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: v.pieces[v.unkId],
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: v.merges.map(([l, r]) => `${l} ${r}`),
    },
  };
  return {
    tokenizerJson,
    tokenizerConfig: tokenizerConfig(added, bos, v.pieces[v.eosId], ctx, {
      tokenizer_class: 'LlamaTokenizer',
      unk_token: v.pieces[v.unkId],
      legacy: false,
    }),
    bosId: v.bosId,
    eosId: v.eosId,
  };
}
