/**
 * Unicode classes of code points, as the reference pre-tokenizers see them:
 * one general category (letter, number, punctuation, mark, symbol, ...) plus
 * the White_Space property. Classes are computed on first use and cached in a
 * table over the whole code space, so building a tokenizer costs nothing.
 */

export const enum CharClass {
  Unknown = 0, // not yet classified (cache sentinel)
  Undefined = 1, // unassigned (Cn)
  Letter = 2,
  Number = 3,
  Punctuation = 4,
  Mark = 5,
  Symbol = 6,
  Separator = 7,
  Control = 8,
}

const WHITESPACE_BIT = 0x10;
const CLASS_MASK = 0x0f;

const cache = new Uint8Array(0x110000);

const tests: Array<[RegExp, CharClass]> = [
  [/\p{L}/u, CharClass.Letter],
  [/\p{N}/u, CharClass.Number],
  [/\p{P}/u, CharClass.Punctuation],
  [/\p{M}/u, CharClass.Mark],
  [/\p{S}/u, CharClass.Symbol],
  [/\p{Z}/u, CharClass.Separator],
  [/\p{C}/u, CharClass.Control],
];
const unassigned = /\p{Cn}/u;
const whiteSpace = /\p{White_Space}/u;

function classify(cp: number): number {
  let bits = cache[cp];
  if (bits !== 0) return bits;
  const ch = String.fromCodePoint(cp);
  let cls = CharClass.Undefined;
  if (!unassigned.test(ch)) {
    for (const [re, c] of tests) {
      if (re.test(ch)) {
        cls = c;
        break;
      }
    }
  }
  bits = cls | (whiteSpace.test(ch) ? WHITESPACE_BIT : 0);
  cache[cp] = bits;
  return bits;
}

/** General category class of a code point; out-of-range values are Undefined. */
export function charClass(cp: number): CharClass {
  if (cp < 0 || cp >= 0x110000) return CharClass.Undefined;
  return (classify(cp) & CLASS_MASK) as CharClass;
}

export function isWhitespace(cp: number): boolean {
  if (cp < 0 || cp >= 0x110000) return false;
  return (classify(cp) & WHITESPACE_BIT) !== 0;
}

export function isLetter(cp: number): boolean {
  return charClass(cp) === CharClass.Letter;
}

export function isNumber(cp: number): boolean {
  return charClass(cp) === CharClass.Number;
}

/**
 * Splits a string into code points; lone surrogates become U+FFFD, as invalid
 * UTF-8 does in the reference. `offsets[i]` is the UTF-16 index where code
 * point i starts (with one extra entry for the end), so pieces can be cut
 * from the original string.
 */
export function codePoints(text: string): { cps: number[]; offsets: Int32Array } {
  const cps: number[] = [];
  const offsets = new Int32Array(text.length + 1);
  for (let i = 0; i < text.length; i++) {
    offsets[cps.length] = i;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cps.push(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        i++;
        continue;
      }
    }
    cps.push(c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
  }
  offsets[cps.length] = text.length;
  return { cps, offsets };
}

/** Lower-cases one code point (used for case-insensitive contractions such as 'S). */
export function toLowerCodePoint(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  const lower = String.fromCodePoint(cp).toLowerCase();
  const l = lower.codePointAt(0) ?? cp;
  return lower.length === String.fromCodePoint(l).length ? l : cp;
}
