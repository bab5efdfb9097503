import { readGGUF, type GGUFFile } from '@tessera/gguf';
import { BpeMerger, buildMergeRanks } from './bpe-merge';
import { fromByteLevel, toByteLevel } from './byte-level';
import { renderChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat-template';
import { ChatTemplateError, TokenizerError } from './errors';
import { metadataFromKV, type TokenizerMetadata } from './metadata';
import { preTokenizerFor, splitWords, type PreTokenizerPreset } from './pre-tokenizer';
import { splitOnSpecialTokens, specialTokenOrder } from './special-split';
import { encodeSentencePiece } from './spm';
import { TokenAttr, Vocab } from './vocab';

export interface EncodeOptions {
  /** Add BOS/EOS as the model asks (tokenizer.ggml.add_bos_token / add_eos_token). Default true. */
  addSpecial?: boolean;
  /** Recognize control tokens written as text in the prompt (e.g. "<|im_start|>"). Default false. */
  parseSpecial?: boolean;
}

export interface DecodeOptions {
  /** Leave out control and unknown tokens (BOS, EOS, <|im_end|>, ...). Default false. */
  skipSpecial?: boolean;
}

export type TokenizerKind = 'bpe' | 'spm';

export interface ApplyChatTemplateOptions extends ChatTemplateOptions {
  /** A template to use instead of the model's own. */
  template?: string;
}

const SPM_SPACE = '\u2581';
const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();
const WORD_CACHE_LIMIT = 65536;

/**
 * Text ⇄ token ids for the vocabularies llama.cpp reads from GGUF: byte-level
 * BPE (`gpt2`) and SentencePiece-style (`llama`). Token ids match the
 * reference's tokenization of the same text.
 */
export class Tokenizer {
  readonly kind: TokenizerKind;
  readonly addBos: boolean;
  readonly addEos: boolean;
  /** SentencePiece: a space is put before text that starts the prompt or follows a special token. */
  readonly addSpacePrefix: boolean;
  readonly chatTemplate: string | undefined;

  private readonly vocab: Vocab;
  private readonly specialOrder: number[];
  private readonly preTokenizer: PreTokenizerPreset | undefined;
  private readonly merger: BpeMerger | undefined;
  private readonly wordCache = new Map<string, number[]>();
  private readonly pieceCache: Array<Uint8Array | undefined>;

  private constructor(meta: TokenizerMetadata) {
    this.chatTemplate = meta.chatTemplate;
    if (meta.model === 'gpt2') {
      if (!meta.merges) {
        throw new TokenizerError('TOKENIZER_MISSING_KEY', 'tokenizer.ggml.merges is missing; a gpt2 (BPE) tokenizer needs its merges. Convert the model again.');
      }
      this.kind = 'bpe';
      this.preTokenizer = preTokenizerFor(meta.pre);
      this.merger = new BpeMerger(buildMergeRanks(meta.merges));
      this.vocab = new Vocab(meta, { bosId: 11, eosId: 11 });
      this.addBos = meta.addBos ?? this.preTokenizer.addBosDefault;
      this.addSpacePrefix = false;
    } else if (meta.model === 'llama') {
      this.kind = 'spm';
      this.vocab = new Vocab(meta, { bosId: 1, eosId: 2, unkId: 0 });
      this.addBos = meta.addBos ?? true;
      this.addSpacePrefix = meta.addSpacePrefix ?? true;
    } else {
      throw new TokenizerError('TOKENIZER_UNSUPPORTED_MODEL', `tokenizer.ggml.model "${meta.model}" is not supported; use a "gpt2" (BPE) or "llama" (SentencePiece) vocabulary.`);
    }
    this.addEos = meta.addEos ?? false;
    if (this.addBos && this.vocab.bosId === undefined) {
      throw new TokenizerError('TOKENIZER_NO_SPECIAL_TOKEN', 'tokenizer.ggml.add_bos_token is true but there is no valid tokenizer.ggml.bos_token_id.');
    }
    if (this.addEos && this.vocab.eosId === undefined) {
      throw new TokenizerError('TOKENIZER_NO_SPECIAL_TOKEN', 'tokenizer.ggml.add_eos_token is true but there is no valid tokenizer.ggml.eos_token_id.');
    }
    this.specialOrder = specialTokenOrder(this.vocab);
    this.pieceCache = new Array(this.vocab.size);
  }

  static fromMetadata(meta: TokenizerMetadata): Tokenizer {
    return new Tokenizer(meta);
  }

  /** The tokenizer stored in a parsed GGUF file's metadata. */
  static fromGGUF(file: Pick<GGUFFile, 'kv'>): Tokenizer {
    return new Tokenizer(metadataFromKV((key) => file.kv.get(key)?.value));
  }

  /** Reads only the header of the GGUF file at `path` and builds its tokenizer. */
  static async load(path: string): Promise<Tokenizer> {
    return Tokenizer.fromGGUF(await readGGUF(path));
  }

  get vocabSize(): number {
    return this.vocab.size;
  }
  get bosId(): number | undefined {
    return this.vocab.bosId;
  }
  get eosId(): number | undefined {
    return this.vocab.eosId;
  }
  get eotId(): number | undefined {
    return this.vocab.eotId;
  }
  get eomId(): number | undefined {
    return this.vocab.eomId;
  }
  get unkId(): number | undefined {
    return this.vocab.unkId;
  }
  /** Ids that end generation: eos, eot, eom and end-of-turn tokens such as <|im_end|>. */
  get stopTokenIds(): readonly number[] {
    return this.vocab.stopIds;
  }

  isStopToken(id: number): boolean {
    return this.vocab.stopIds.includes(id);
  }

  isControl(id: number): boolean {
    this.checkId(id);
    return this.vocab.has(id, TokenAttr.Control);
  }

  /** The token's text as stored in the vocabulary (e.g. "Ġthe", "▁the", "<0x0A>"). */
  tokenText(id: number): string {
    this.checkId(id);
    return this.vocab.texts[id];
  }

  /** Id of a token given its vocabulary text, if present. */
  tokenId(text: string): number | undefined {
    return this.vocab.ids.get(text);
  }

  /**
   * Renders a conversation with the model's chat template (or `options.template`),
   * with bos_token/eos_token set from the vocabulary. Tokenize the result with
   * parseSpecial so its control tokens are recognized.
   */
  applyChatTemplate(messages: readonly ChatMessage[], options: ApplyChatTemplateOptions = {}): string {
    const template = options.template ?? this.chatTemplate;
    if (template === undefined) {
      throw new ChatTemplateError('CHAT_TEMPLATE_MISSING', 'the model has no tokenizer.chat_template; pass a template explicitly.');
    }
    const text = (id: number | undefined) => (id === undefined ? '' : this.vocab.texts[id]);
    return renderChatTemplate(template, messages, { bosToken: text(this.bosId), eosToken: text(this.eosId), ...options });
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const addSpecial = options.addSpecial ?? true;
    const out: number[] = [];
    if (addSpecial && this.addBos) out.push(this.vocab.bosId!);
    const fragments = splitOnSpecialTokens(text, this.vocab, this.specialOrder, options.parseSpecial ?? false);
    let afterSpecial = true;
    for (const f of fragments) {
      if ('id' in f) {
        out.push(f.id);
        afterSpecial = true;
        continue;
      }
      if (this.kind === 'bpe') this.encodeBpe(f.text, out);
      else this.encodeSpm(f.text, afterSpecial, out);
      afterSpecial = false;
    }
    if (addSpecial && this.addEos) out.push(this.vocab.eosId!);
    return out;
  }

  /** Text of the ids. Bytes are joined before decoding, so characters split across tokens come out whole. */
  decode(ids: Iterable<number>, options: DecodeOptions = {}): string {
    const chunks: Uint8Array[] = [];
    let first = true;
    for (const id of ids) {
      const bytes = this.pieceBytes(id, !(options.skipSpecial ?? false), first);
      if (bytes.length > 0) {
        chunks.push(bytes);
        first = false;
      }
    }
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(Buffer.concat(chunks));
  }

  /** Raw bytes of one token, special tokens rendered as their text. May be part of a UTF-8 character. */
  tokenToPiece(id: number): Uint8Array {
    return this.pieceBytes(id, true, false);
  }

  /**
   * Bytes a token contributes to decoded text. `first` marks the first
   * non-empty piece of a text: SentencePiece drops the space its encoder put
   * in front of the text.
   */
  pieceBytes(id: number, renderSpecial: boolean, first: boolean): Uint8Array {
    this.checkId(id);
    if (!renderSpecial && this.vocab.has(id, TokenAttr.Control | TokenAttr.Unknown)) return EMPTY;
    let bytes = this.pieceCache[id];
    if (bytes === undefined) bytes = this.pieceCache[id] = this.computePiece(id);
    if (first && this.addSpacePrefix && bytes[0] === 0x20) return bytes.subarray(1);
    return bytes;
  }

  private computePiece(id: number): Uint8Array {
    const text = this.vocab.texts[id];
    if (this.vocab.has(id, TokenAttr.Control | TokenAttr.Unknown | TokenAttr.UserDefined)) return utf8.encode(text);
    if (this.vocab.has(id, TokenAttr.Normal)) {
      return this.kind === 'bpe' ? fromByteLevel(text) : utf8.encode(text.replaceAll(SPM_SPACE, ' '));
    }
    if (this.vocab.has(id, TokenAttr.Byte)) {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
      return m ? Uint8Array.of(parseInt(m[1], 16)) : utf8.encode(text);
    }
    return EMPTY; // unused and undefined tokens print nothing, as in the reference
  }

  private encodeBpe(text: string, out: number[]): void {
    for (const word of splitWords(text, this.preTokenizer!.steps)) {
      let ids = this.wordCache.get(word);
      if (ids === undefined) {
        ids = this.encodeBpeWord(word);
        if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
        this.wordCache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  private encodeBpeWord(word: string): number[] {
    const byteLevel = toByteLevel(word);
    const whole = this.preTokenizer!.ignoreMerges ? this.vocab.ids.get(byteLevel) : undefined;
    if (whole !== undefined) return [whole];
    const ids: number[] = [];
    for (const symbol of this.merger!.merge(byteLevel)) {
      const id = this.vocab.ids.get(symbol);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      // A merge produced text that is not a token (a malformed vocabulary): spell it by bytes.
      for (const ch of symbol) {
        const byteId = this.vocab.ids.get(ch);
        if (byteId !== undefined) ids.push(byteId);
      }
    }
    return ids;
  }

  private encodeSpm(text: string, afterSpecial: boolean, out: number[]): void {
    const prefixed = this.addSpacePrefix && afterSpecial ? ' ' + text : text;
    encodeSentencePiece(prefixed.replaceAll(' ', SPM_SPACE), this.vocab, out);
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocab.size) {
      throw new TokenizerError('TOKENIZER_BAD_TOKEN_ID', `token id ${id} is outside the vocabulary (0..${this.vocab.size - 1}).`);
    }
  }
}
