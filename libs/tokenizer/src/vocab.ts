import { TokenizerError } from './errors';
import type { TokenizerMetadata } from './metadata';

/** Token attributes as bit flags (a token can gain CONTROL on top of its stored type). */
export const enum TokenAttr {
  Undefined = 0,
  Unknown = 1 << 0,
  Unused = 1 << 1,
  Normal = 1 << 2,
  Control = 1 << 3,
  UserDefined = 1 << 4,
  Byte = 1 << 5,
}

/** tokenizer.ggml.token_type values. */
const TYPE_TO_ATTR: Record<number, TokenAttr> = {
  0: TokenAttr.Undefined,
  1: TokenAttr.Normal,
  2: TokenAttr.Unknown,
  3: TokenAttr.Control,
  4: TokenAttr.UserDefined,
  5: TokenAttr.Unused,
  6: TokenAttr.Byte,
};

/** Token texts that end a turn or a generation (the reference recognizes these by text). */
const END_OF_GENERATION_TEXTS = new Set([
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<|return|>',
  '<|call|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '</s>',
  '<|eom_id|>',
  '<EOT>',
  '_<EOT>',
  '<|end_of_text|>',
  '<end_of_utterance>',
  '<eos>',
]);
const EOT_TEXTS = ['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|end_of_text|>', '<EOT>', '_<EOT>', '<end_of_utterance>'];

/** The vocabulary: texts, ids, attributes and the special ids, resolved once from metadata. */
export class Vocab {
  readonly texts: readonly string[];
  readonly ids = new Map<string, number>();
  readonly attrs: Uint16Array;
  readonly scores: Float32Array;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly eotId: number | undefined;
  readonly eomId: number | undefined;
  readonly unkId: number | undefined;
  /** Every id whose sampling ends generation (eos, eot, eom, <|im_end|>, ...), ascending. */
  readonly stopIds: readonly number[];

  constructor(meta: TokenizerMetadata, defaults: { bosId?: number; eosId?: number; unkId?: number }) {
    const n = meta.tokens.length;
    if (n === 0) throw new TokenizerError('TOKENIZER_BAD_METADATA', 'tokenizer.ggml.tokens is empty.');
    checkLength('tokenizer.ggml.scores', meta.scores, n);
    checkLength('tokenizer.ggml.token_type', meta.tokenTypes, n);
    // The reference renames empty tokens so that every id has a distinct text.
    this.texts = meta.tokens.map((t, i) => (t === '' ? `[EMPTY_${i}]` : t));
    this.attrs = new Uint16Array(n);
    this.scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const text = this.texts[i];
      if (this.ids.has(text)) {
        throw new TokenizerError('TOKENIZER_DUPLICATE_TOKEN', `duplicate token in vocabulary: "${text}" has ids ${this.ids.get(text)} and ${i}.`);
      }
      this.ids.set(text, i);
      this.attrs[i] = meta.tokenTypes ? (TYPE_TO_ATTR[meta.tokenTypes[i]] ?? TokenAttr.Undefined) : TokenAttr.Normal;
      this.scores[i] = meta.scores ? meta.scores[i] : 0;
    }
    const pick = (id: number | undefined, fallback: number | undefined) => {
      if (id !== undefined && id >= 0 && id < n) return id;
      return fallback !== undefined && fallback >= 0 && fallback < n ? fallback : undefined;
    };
    this.bosId = pick(meta.bosId, defaults.bosId);
    this.eosId = pick(meta.eosId, defaults.eosId);
    this.unkId = pick(meta.unkId, defaults.unkId);
    this.eotId = pick(meta.eotId, EOT_TEXTS.map((t) => this.ids.get(t)).find((id) => id !== undefined));
    this.eomId = pick(meta.eomId, this.ids.get('<|eom_id|>'));
    this.stopIds = this.collectStopIds();
  }

  get size(): number {
    return this.texts.length;
  }

  has(id: number, attr: TokenAttr): boolean {
    return (this.attrs[id] & attr) !== 0;
  }

  private collectStopIds(): number[] {
    const stop = new Set<number>();
    for (const [text, id] of this.ids) {
      if (!END_OF_GENERATION_TEXTS.has(text)) continue;
      stop.add(id);
      // Recognized by text, so treated as control even when the file typed it
      // otherwise: not parsed from plain text, hidden by skipSpecial.
      this.attrs[id] |= TokenAttr.Control;
    }
    for (const id of [this.eosId, this.eotId, this.eomId]) if (id !== undefined) stop.add(id);
    return [...stop].sort((a, b) => a - b);
  }
}

function checkLength(key: string, arr: ArrayLike<number> | undefined, n: number): void {
  if (arr && arr.length < n) {
    throw new TokenizerError('TOKENIZER_BAD_METADATA', `${key} has ${arr.length} entries but there are ${n} tokens; the file is malformed.`);
  }
}
