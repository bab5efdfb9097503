import { preTokenizerFor, splitWords } from './pre-tokenizer';

/**
 * The reference runs these rules as regular expressions (or as scanners
 * proven equal to them). JavaScript's own Unicode regexes are an independent
 * oracle: on inputs without the few code points where JS \s and Unicode
 * White_Space disagree (U+0085, U+FEFF), both must cut text identically —
 * matches and the gaps between them.
 */
function oracleSplit(text: string, rule: RegExp): string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of text.matchAll(rule)) {
    if (m.index! > last) out.push(text.slice(last, m.index));
    out.push(m[0]);
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Applies rules in turn, each one cutting every piece the previous ones left. */
function oracleSplitAll(text: string, rules: RegExp[]): string[] {
  let pieces = [text];
  for (const rule of rules) pieces = pieces.flatMap((p) => oracleSplit(p, rule));
  return pieces;
}

const GPT2 = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)/gu;

const RULES: Record<string, RegExp[]> = {
  default: [/[\p{P}\$\+<=>\^~\|]+/gu, GPT2, /\p{N}+/gu, /[0-9][0-9][0-9]/gu],
  'llama-bpe': [/(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu],
  'gpt-2': [GPT2],
  qwen2: [/(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu],
};

const ALPHABET = ['a', 'B', 'z', '1', '2', ' ', ' ', '\n', '\r', '\t', "'", 's', 'T', 'L', '.', '!', '$', '+', '(', '`', '—', 'é', '日', '😀', '\u0301', '٣', '¼', '\u00a0', '\u3000'];

function* randomTexts(count: number, seed: number): Generator<string> {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < count; i++) {
    let s = '';
    const len = 1 + Math.floor(next() * 14);
    for (let j = 0; j < len; j++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
    yield s;
  }
}

describe('pre-tokenizer rules agree with the regular expressions they implement', () => {
  for (const [pre, rules] of Object.entries(RULES)) {
    it(`${pre}: 3000 random texts`, () => {
      const steps = preTokenizerFor(pre).steps;
      const disagreements: string[] = [];
      for (const text of randomTexts(3000, pre.length)) {
        const ours = JSON.stringify(splitWords(text, steps));
        const theirs = JSON.stringify(oracleSplitAll(text, rules));
        if (ours !== theirs) disagreements.push(`${JSON.stringify(text)}: ${ours} vs ${theirs}`);
      }
      expect(disagreements).toEqual([]);
    });
  }
});

describe('pre-tokenizer words', () => {
  const words = (pre: string, text: string) => splitWords(text, preTokenizerFor(pre).steps);

  it('gpt-2 keeps contractions and gives a space run its last space to the next word', () => {
    expect(words('gpt-2', "don't   stop")).toEqual(['don', "'t", '  ', ' stop']);
  });

  it('llama-bpe: case-insensitive contractions, 3-digit groups, newlines end runs', () => {
    expect(words('llama-bpe', "I'M 1234567")).toEqual(['I', "'M", ' ', '123', '456', '7']);
    expect(words('llama-bpe', 'a.\n\n  b')).toEqual(['a', '.\n\n', ' ', ' b']);
    expect(words('llama-bpe', 'x  \n\ty')).toEqual(['x', '  \n', '\ty']);
  });

  it('default: punctuation runs and 3-digit groups are cut out before the GPT-2 rule', () => {
    expect(words('default', "it's 1234567!?")).toEqual(['it', "'", 's', ' ', '123', '456', '7', '!?']);
    expect(words('default', 'a+b=c')).toEqual(['a', '+', 'b', '=', 'c']);
  });

  it('an empty text has no words; a missing pre means default', () => {
    expect(words('default', '')).toEqual([]);
    expect(splitWords('1234', preTokenizerFor(undefined).steps)).toEqual(['123', '4']);
  });
});
