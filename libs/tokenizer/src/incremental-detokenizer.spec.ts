import { join } from 'node:path';
import { IncrementalDetokenizer } from './incremental-detokenizer';
import { sentencePieceVocab } from './test-vocabs';
import { Tokenizer } from './tokenizer';

const MICRO = join(__dirname, '../../../../shared/golden/micro/micro-f32.gguf');

function stream(tok: Tokenizer, ids: number[], skipSpecial = false): string[] {
  const detok = new IncrementalDetokenizer(tok, { skipSpecial });
  const deltas = ids.map((id) => detok.push(id));
  deltas.push(detok.flush());
  return deltas;
}

describe('IncrementalDetokenizer', () => {
  let micro: Tokenizer;
  beforeAll(async () => {
    micro = await Tokenizer.load(MICRO);
  });

  // The micro vocabulary has no multi-byte tokens, so every non-ASCII
  // character arrives split over 2-4 byte tokens.
  const texts = ['Ünïcödé ✓ 日本語', 'emoji 😀👨‍👩‍👧 flags 🇯🇵', 'e\u0301 combining', 'plain ascii'];

  for (const text of texts) {
    it(`streams ${JSON.stringify(text)} without broken characters`, () => {
      const ids = micro.encode(text, { addSpecial: true });
      if (/[^\x00-\x7f]/.test(text)) {
        // Some token carries a lone non-ASCII byte: a character is split across tokens.
        expect(ids.some((id) => micro.tokenToPiece(id).length === 1 && micro.tokenToPiece(id)[0] >= 0x80)).toBe(true);
      }
      const deltas = stream(micro, ids, true);
      for (const d of deltas) expect(d).not.toContain('\ufffd');
      expect(deltas.join('')).toBe(micro.decode(ids, { skipSpecial: true }));
      expect(deltas.join('')).toBe(text);
    });
  }

  it('holds back a character until its last byte arrives', () => {
    const ids = micro.encode('日', { addSpecial: false }); // three byte tokens
    expect(ids).toHaveLength(3);
    const detok = new IncrementalDetokenizer(micro);
    expect(detok.push(ids[0])).toBe('');
    expect(detok.push(ids[1])).toBe('');
    expect(detok.push(ids[2])).toBe('日');
    expect(detok.flush()).toBe('');
  });

  it('flushes an unfinished character as U+FFFD, like decode()', () => {
    const ids = micro.encode('a日', { addSpecial: false }).slice(0, -1);
    const deltas = stream(micro, ids);
    expect(deltas.join('')).toBe(micro.decode(ids));
    expect(deltas.join('')).toBe('a\ufffd');
  });

  it('renders special tokens unless skipSpecial', () => {
    const ids = [510, ...micro.encode('hi', { addSpecial: false }), 511];
    expect(stream(micro, ids).join('')).toBe('<s>hi</s>');
    expect(stream(micro, ids, true).join('')).toBe('hi');
  });

  it('drops the SentencePiece prefix space once, and agrees with decode()', () => {
    const spm = Tokenizer.fromMetadata(sentencePieceVocab([['▁', -1], ['▁a', -1], ['b', -1]]));
    const ids = spm.encode('a b日😀');
    const deltas = stream(spm, ids, true);
    for (const d of deltas) expect(d).not.toContain('\ufffd');
    expect(deltas.join('')).toBe('a b日😀');
    expect(deltas.join('')).toBe(spm.decode(ids, { skipSpecial: true }));
  });
});
