import { Tokenizer } from '@tessera/tokenizer';
import { BYTE_TO_UNICODE, UNICODE_TO_BYTE } from './bytes-to-unicode';
import { buildBpeVocab, DEFAULT_SPECIAL_TOKENS } from './bpe-vocab';
import { trainBpe } from './bpe-trainer';
import { buildSpmVocab } from './spm-vocab';

/** Every merge's parts exist before it, and it creates exactly the next new token. */
function checkValidBpe(tokens: string[], merges: string[], firstMergeId: number): string[] {
  const problems: string[] = [];
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => (ids.has(t) ? problems.push(`duplicate token ${t}`) : ids.set(t, i)));
  merges.forEach((m, rank) => {
    const sp = m.indexOf(' ', 1);
    const [l, r] = [m.slice(0, sp), m.slice(sp + 1)];
    const id = firstMergeId + rank;
    if (!((ids.get(l) ?? Infinity) < id) || !((ids.get(r) ?? Infinity) < id)) problems.push(`merge ${rank} '${m}' uses a later or missing part`);
    if (tokens[id] !== l + r) problems.push(`merge ${rank} '${m}' does not create token ${id}`);
  });
  return problems;
}

describe('byte-to-unicode', () => {
  it('is the GPT-2 mapping: a bijection onto printable characters', () => {
    expect(BYTE_TO_UNICODE[0x20]).toBe('Ġ');
    expect(BYTE_TO_UNICODE[0x0a]).toBe('Ċ');
    expect(BYTE_TO_UNICODE[0x41]).toBe('A');
    expect(BYTE_TO_UNICODE[0]).toBe('Ā');
    expect(new Set(BYTE_TO_UNICODE).size).toBe(256);
    expect(UNICODE_TO_BYTE.get('Ġ')).toBe(0x20);
  });
});

describe('buildBpeVocab', () => {
  it('lays out bytes, merges and specials like the golden micro vocabulary', () => {
    const v = buildBpeVocab({ vocabSize: 512 });
    expect(v.tokens).toHaveLength(512);
    expect(v.tokens.slice(0, 256)).toEqual(BYTE_TO_UNICODE);
    expect(v.merges).toHaveLength(512 - 256 - DEFAULT_SPECIAL_TOKENS.length);
    expect(v.tokens.slice(-4)).toEqual([...DEFAULT_SPECIAL_TOKENS]);
    expect(v.tokenTypes.slice(-5)).toEqual([1, 3, 3, 3, 3]);
    expect(v.specialIds['<|begin_of_text|>']).toBe(508);
    expect(v.merges.slice(0, 2)).toEqual(['Ġ t', 'h e']);
    expect(checkValidBpe(v.tokens.slice(0, 508), v.merges, 256)).toEqual([]);
  });

  it('reaches a large vocabulary (49152) with valid extension merges, deterministically', () => {
    const v = buildBpeVocab({ vocabSize: 49152 });
    expect(v.tokens).toHaveLength(49152);
    expect(v.corpusMerges).toBeLessThan(v.merges.length);
    expect(checkValidBpe(v.tokens.slice(0, 49148), v.merges, 256)).toEqual([]);
    const again = buildBpeVocab({ vocabSize: 49152, specialTokens: [...DEFAULT_SPECIAL_TOKENS], seed: 0 });
    expect(again.merges).toEqual(v.merges);
    const other = buildBpeVocab({ vocabSize: 49152, seed: 1 });
    expect(other.merges).not.toEqual(v.merges);
  });

  it('rejects sizes that cannot hold the byte and special tokens', () => {
    expect(() => buildBpeVocab({ vocabSize: 259 })).toThrow(expect.objectContaining({ code: 'CONVERT_BAD_OPTION' }));
  });

  it('tokenizes text consistently with @tessera/tokenizer: merges fire and decoding round-trips', () => {
    const v = buildBpeVocab({ vocabSize: 4096 });
    const tok = Tokenizer.fromMetadata({
      model: 'gpt2',
      pre: 'llama-bpe',
      tokens: v.tokens,
      tokenTypes: v.tokenTypes,
      merges: v.merges,
      bosId: v.specialIds['<|begin_of_text|>'],
      eosId: v.specialIds['<|end_of_text|>'],
      addBos: true,
    });
    const text = 'The people of the world could find their way home, and they said nothing.';
    const ids = tok.encode(text);
    expect(ids[0]).toBe(v.specialIds['<|begin_of_text|>']);
    expect(ids.length).toBeLessThan(Buffer.byteLength(text) / 2.5);
    expect(tok.decode(ids.slice(1))).toBe(text);
    expect(tok.tokenText(tok.encode(' the', { addSpecial: false })[0])).toBe('Ġthe');
  });
});

describe('trainBpe', () => {
  it('merges the most frequent pair first, breaking ties by text, and never recreates a token', () => {
    const out = trainBpe({
      words: [
        { symbols: ['a', 'b', 'c'], count: 3 },
        { symbols: ['b', 'c'], count: 2 },
        { symbols: ['a', 'b'], count: 1 },
      ],
      baseTokens: ['a', 'b', 'c'],
      numMerges: 4,
      extensionParts: ['c', 'a'],
      canExtend: (t) => t.startsWith('a'),
    });
    // counts: ab=4, bc=5 -> bc first; then a+bc=3, ab=1 -> abc; then ab (1).
    expect(out.merges.slice(0, 3)).toEqual([['b', 'c'], ['a', 'bc'], ['a', 'b']]);
    expect(out.corpusMerges).toBe(3);
    // Extension: first extendable token 'a' + 'c' (a+a? 'ac' first, 'c' is listed first).
    expect(out.merges[3]).toEqual(['a', 'c']);
    expect(out.tokens).toEqual(['a', 'b', 'c', 'bc', 'abc', 'ab', 'ac']);
  });
});

describe('buildSpmVocab', () => {
  it('has unk/bos/eos, 256 byte pieces, characters, merges and chat tokens, as a valid BPE', () => {
    const v = buildSpmVocab(1024);
    expect(v.pieces).toHaveLength(1024);
    expect(v.pieces.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(v.pieces[258]).toBe('<0xFF>');
    expect(v.pieces.slice(-2)).toEqual(['<|im_start|>', '<|im_end|>']);
    const firstMerge = v.pieces.length - 2 - v.merges.length;
    expect(v.pieces.slice(259, firstMerge)).toContain('\u2581');
    expect(checkValidBpe(v.pieces.slice(0, -2), v.merges.map(([l, r]) => `${l} ${r}`), firstMerge)).toEqual([]);
  });
});
