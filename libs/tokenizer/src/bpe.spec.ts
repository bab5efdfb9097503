import { join } from 'node:path';
import { toByteLevel } from './byte-level';
import { TokenizerError } from './errors';
import { byteLevelVocab } from './test-vocabs';
import { Tokenizer } from './tokenizer';

const MICRO = join(__dirname, '../../../../shared/golden/micro/micro-f32.gguf');

/** Merges for a word, left to right: "hello" → h e, he l, hel l, hell o. */
function mergesSpelling(word: string): string[] {
  const chars = Array.from(toByteLevel(word));
  const merges: string[] = [];
  let acc = chars[0];
  for (const ch of chars.slice(1)) {
    merges.push(`${acc} ${ch}`);
    acc += ch;
  }
  return merges;
}

describe('byte-level BPE round trips (micro vocabulary)', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await Tokenizer.load(MICRO);
  });

  const texts: Record<string, string> = {
    ascii: 'The quick brown fox jumps over the lazy dog. It\'s 3:15pm; "quoted" (parens) [brackets] {braces} #tag @user ~tilde `tick`',
    cjk: '日本語のテキストと中文文本，还有한국어 텍스트。',
    emoji: 'smile 😀 family 👨‍👩‍👧‍👦 flag 🇫🇷 and 🧑🏽‍💻',
    combining: 'e\u0301 a\u0308 n\u0303 — Zalgo: z\u0351\u0352\u0353a\u0354\u0355',
    whitespace: '  leading\t\ttabs\n\n\nnewlines   \r\n  trailing   ',
    digits: '0 12 345 6789 1234567890 3.14159 ٣٤٥ ¼',
    bom: '\ufeffstarts with a byte order mark',
  };
  for (const [name, text] of Object.entries(texts)) {
    it(`decode(encode(x)) === x for ${name}`, () => {
      const ids = tok.encode(text, { addSpecial: false });
      expect(ids.every((id) => id >= 0 && id < tok.vocabSize)).toBe(true);
      expect(tok.decode(ids)).toBe(text);
    });
  }

  it('encodes a lone surrogate as U+FFFD, as the reference does with invalid UTF-8', () => {
    const ids = tok.encode('a\ud800b', { addSpecial: false });
    expect(tok.decode(ids)).toBe('a\ufffdb');
    expect(ids).toEqual(tok.encode('a\ufffdb', { addSpecial: false }));
  });

  it('adds BOS only when asked', () => {
    expect(tok.encode('hi')[0]).toBe(510);
    expect(tok.encode('hi', { addSpecial: false })[0]).not.toBe(510);
    expect(tok.encode('', { addSpecial: true })).toEqual([510]);
    expect(tok.encode('', { addSpecial: false })).toEqual([]);
  });

  it('parses control-token text only with parseSpecial', () => {
    const parsed = tok.encode('a</s>b', { addSpecial: false, parseSpecial: true });
    expect(parsed).toEqual([97, 511, 98]);
    const literal = tok.encode('a</s>b', { addSpecial: false, parseSpecial: false });
    expect(literal).not.toContain(511);
    expect(tok.decode(literal)).toBe('a</s>b');
  });

  it('renders control tokens unless skipSpecial', () => {
    expect(tok.decode([510, 104, 105, 511])).toBe('<s>hi</s>');
    expect(tok.decode([510, 104, 105, 511], { skipSpecial: true })).toBe('hi');
    expect(Buffer.from(tok.tokenToPiece(32)).toString()).toBe(' ');
  });

  it('rejects ids outside the vocabulary with a typed error', () => {
    expect(() => tok.decode([512])).toThrow(TokenizerError);
    expect(() => tok.decode([-1])).toThrow(expect.objectContaining({ code: 'TOKENIZER_BAD_TOKEN_ID' }));
  });
});

describe('byte-level BPE merge order', () => {
  it('applies the lowest-rank merge first, leftmost among equals', () => {
    // "abc": with a b ranked above b c, the result is [ab, c]; reversed, [a, bc].
    const ab = Tokenizer.fromMetadata(byteLevelVocab({ pre: 'gpt-2', merges: ['a b', 'b c'] }));
    expect(ab.encode('abc', { addSpecial: false }).map((id) => ab.tokenText(id))).toEqual(['ab', 'c']);
    const bc = Tokenizer.fromMetadata(byteLevelVocab({ pre: 'gpt-2', merges: ['b c', 'a b'] }));
    expect(bc.encode('abc', { addSpecial: false }).map((id) => bc.tokenText(id))).toEqual(['a', 'bc']);
    // "aaa" with only "a a": the leftmost pair merges, leaving [aa, a].
    const aa = Tokenizer.fromMetadata(byteLevelVocab({ pre: 'gpt-2', merges: ['a a'] }));
    expect(aa.encode('aaa', { addSpecial: false }).map((id) => aa.tokenText(id))).toEqual(['aa', 'a']);
  });

  it('merges inside pre-tokenizer words only', () => {
    const tok = Tokenizer.fromMetadata(byteLevelVocab({ pre: 'gpt-2', merges: [...mergesSpelling(' world'), ...mergesSpelling('hello')] }));
    const pieces = tok.encode('hello world', { addSpecial: false }).map((id) => tok.tokenText(id));
    expect(pieces).toEqual(['hello', 'Ġworld']);
  });
});

describe('pre-tokenizer presets on a synthetic vocabulary', () => {
  const merges = [...mergesSpelling('123'), ...mergesSpelling('45'), ...mergesSpelling(' the')];
  const extra = [
    { text: 'Ġtoken', type: 1 }, // a whole word with no merge path to it
    { text: '<|begin_of_text|>', type: 3 },
    { text: '<|end_of_text|>', type: 3 },
    { text: '<|eot_id|>', type: 3 },
    { text: '<tool>', type: 4 },
  ];
  const llama3 = Tokenizer.fromMetadata(byteLevelVocab({ pre: 'llama-bpe', merges, extra }));
  const qwen2 = Tokenizer.fromMetadata(byteLevelVocab({ pre: 'qwen2', merges, extra }));
  const texts = (tok: Tokenizer, s: string, parseSpecial = false) => tok.encode(s, { addSpecial: false, parseSpecial }).map((id) => tok.tokenText(id));

  it('Llama 3 splits numbers into groups of up to three digits', () => {
    expect(texts(llama3, '12345')).toEqual(['123', '45']);
    // Groups 123 | 451 | 234 | 5, each merged on its own.
    expect(texts(llama3, '1234512345')).toEqual(['123', '45', '1', '2', '3', '4', '5']);
  });

  it('Qwen2 splits numbers into single digits', () => {
    expect(texts(qwen2, '12345')).toEqual(['1', '2', '3', '4', '5']);
  });

  it('Llama 3 takes a word that is a whole token without merging (ignore_merges)', () => {
    expect(texts(llama3, ' token')).toEqual(['Ġtoken']);
    // Without ignore_merges only the merges apply (Ġ t exists, from " the").
    expect(texts(qwen2, ' token')).toEqual(['Ġt', 'o', 'k', 'e', 'n']);
  });

  it('Llama 3 adds BOS by default and knows its stop tokens', () => {
    expect(llama3.addBos).toBe(true);
    expect(llama3.encode('x')[0]).toBe(llama3.tokenId('<|begin_of_text|>'));
    expect(llama3.eotId).toBe(llama3.tokenId('<|eot_id|>'));
    expect([...llama3.stopTokenIds].sort()).toEqual([llama3.tokenId('<|end_of_text|>'), llama3.tokenId('<|eot_id|>')].sort());
    expect(llama3.isStopToken(llama3.tokenId('<|eot_id|>')!)).toBe(true);
    expect(llama3.isStopToken(llama3.tokenId('Ġthe')!)).toBe(false);
  });

  it('recognizes user-defined tokens in text even without parseSpecial, control tokens only with it', () => {
    expect(texts(llama3, 'a<tool>b')).toEqual(['a', '<tool>', 'b']);
    expect(texts(llama3, '<|eot_id|>')).not.toContain('<|eot_id|>');
    expect(texts(llama3, 'x<|eot_id|>', true)).toEqual(['x', '<|eot_id|>']);
  });

  it('prefers the longest special token where two overlap', () => {
    const tok = Tokenizer.fromMetadata(
      byteLevelVocab({ pre: 'gpt-2', merges: [], extra: [{ text: '<a>', type: 3 }, { text: '<a><b>', type: 3 }] }),
    );
    expect(texts(tok, '<a><b><a>', true)).toEqual(['<a><b>', '<a>']);
  });

  it('fails clearly on an unknown pre-tokenizer or missing merges', () => {
    expect(() => Tokenizer.fromMetadata(byteLevelVocab({ pre: 'no-such-pre', merges: [] }))).toThrow(
      expect.objectContaining({ code: 'TOKENIZER_UNSUPPORTED_PRE' }),
    );
    const { merges: _drop, ...noMerges } = byteLevelVocab({ pre: 'gpt-2', merges: [] });
    expect(() => Tokenizer.fromMetadata(noMerges)).toThrow(expect.objectContaining({ code: 'TOKENIZER_MISSING_KEY' }));
    expect(() => Tokenizer.fromMetadata({ model: 'bert', tokens: ['a'] })).toThrow(expect.objectContaining({ code: 'TOKENIZER_UNSUPPORTED_MODEL' }));
  });
});
