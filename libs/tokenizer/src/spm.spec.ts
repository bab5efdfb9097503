import { sentencePieceVocab } from './test-vocabs';
import { Tokenizer } from './tokenizer';

// A tiny SentencePiece vocabulary: whole words score higher than their parts.
const PIECES: Array<[string, number]> = [
  ['▁', -1],
  ['h', -2], ['e', -2], ['l', -2], ['o', -2], ['w', -2], ['r', -2], ['d', -2], ['a', -2], ['b', -2], ['c', -2],
  ['▁h', -3], ['▁he', -4], ['ll', -4], ['llo', -5], ['▁hello', -1.5],
  ['▁w', -3], ['or', -4], ['▁wor', -5], ['ld', -4], ['▁world', -1.5],
  ['ab', -6], ['bc', -5.5],
  ['é', -2],
];
const EXTRA = [{ text: '<tool>', type: 4 }];

describe('SentencePiece tokenizer', () => {
  const tok = Tokenizer.fromMetadata(sentencePieceVocab(PIECES, EXTRA));
  const pieces = (ids: number[]) => ids.map((id) => tok.tokenText(id));

  it('uses SentencePiece defaults: BOS added, space prefix on', () => {
    expect(tok.kind).toBe('spm');
    expect(tok.addBos).toBe(true);
    expect(tok.addSpacePrefix).toBe(true);
    expect(pieces(tok.encode('hello world'))).toEqual(['<s>', '▁hello', '▁world']);
  });

  it('joins the highest-scoring pair first', () => {
    // "abc": bc (-5.5) beats ab (-6), so the text becomes [▁, a, bc].
    expect(pieces(tok.encode('abc', { addSpecial: false }))).toEqual(['▁', 'a', 'bc']);
  });

  it('spells characters outside the vocabulary as UTF-8 byte tokens', () => {
    expect(pieces(tok.encode('日', { addSpecial: false }))).toEqual(['▁', '<0xE6>', '<0x97>', '<0xA5>']);
    expect(pieces(tok.encode('hé😀', { addSpecial: false }))).toEqual(['▁h', 'é', '<0xF0>', '<0x9F>', '<0x98>', '<0x80>']);
  });

  it('round-trips text, dropping only the space the encoder added', () => {
    for (const text of ['hello world', 'hello  world ', '日本 and é', '\n\ttabs\n', 'a😀b']) {
      expect(tok.decode(tok.encode(text), { skipSpecial: true })).toBe(text);
      expect(tok.decode(tok.encode(text, { addSpecial: false }))).toBe(text);
    }
  });

  it('puts a space prefix after each special token, as the reference does', () => {
    const ids = tok.encode('hello</s>world', { parseSpecial: true });
    expect(pieces(ids)).toEqual(['<s>', '▁hello', '</s>', '▁world']);
    expect(tok.decode(ids)).toBe('<s> hello</s> world');
    expect(pieces(tok.encode('a<tool>b', { addSpecial: false }))).toEqual(['▁', 'a', '<tool>', '▁', 'b']);
  });

  it('treats control-token text as plain text without parseSpecial', () => {
    expect(pieces(tok.encode('</s>', { addSpecial: false }))).not.toContain('</s>');
  });

  it('honours add_space_prefix = false', () => {
    const plain = Tokenizer.fromMetadata(sentencePieceVocab(PIECES, [], false));
    expect(plain.encode('hello', { addSpecial: false }).map((id) => plain.tokenText(id))).toEqual(['h', 'e', 'llo']);
    expect(plain.decode(plain.encode(' hello'))).toBe('<s> hello');
  });
});
