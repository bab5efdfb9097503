import { TokenizerError } from './errors';
import { CharClass, charClass, codePoints, isLetter, isNumber, isWhitespace, toLowerCodePoint } from './unicode-class';

/**
 * Pre-tokenization: cutting text into words before BPE runs on each word.
 *
 * Like the reference, a pre-tokenizer is a list of split steps applied in
 * turn; each step cuts every piece left by the previous step, and keeps the
 * text between matches as pieces too, so no character is ever dropped.
 * Positions are code-point indices.
 */

/** The text being split: its code points and, built on demand, its collapsed form. */
interface SplitInput {
  cps: readonly number[];
  collapsed(): string;
}

/** Piece boundaries: piece i spans [bounds[i], bounds[i+1]). */
type SplitStep = (input: SplitInput, bounds: number[]) => number[];

const APOS = 0x27;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;

/** Length of a 's 't 'm 'd 're 've 'll contraction at pos, or 0. */
function contractionLength(cps: readonly number[], pos: number, end: number, ignoreCase: boolean): number {
  if (cps[pos] !== APOS || pos + 1 >= end) return 0;
  const fold = (cp: number) => (ignoreCase ? toLowerCodePoint(cp) : cp);
  const a = fold(cps[pos + 1]);
  if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) return 2; // s t m d
  if (pos + 2 >= end) return 0;
  const b = fold(cps[pos + 2]);
  if ((a === 0x72 && b === 0x65) || (a === 0x76 && b === 0x65) || (a === 0x6c && b === 0x6c)) return 3; // re ve ll
  return 0;
}

function isOther(cp: number): boolean {
  return !isWhitespace(cp) && !isLetter(cp) && !isNumber(cp);
}

/**
 * Hand-written scanner for the GPT-2 rule
 * `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
 */
function gpt2Step({ cps }: SplitInput, bounds: number[]): number[] {
  const out = [bounds[0]];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const end = bounds[k + 1];
    let pos = bounds[k];
    while (pos < end) {
      pos = gpt2Next(cps, pos, end);
      out.push(pos);
    }
  }
  return out;
}

function gpt2Next(cps: readonly number[], pos: number, end: number): number {
  const contraction = contractionLength(cps, pos, end, false);
  if (contraction) return pos + contraction;
  // An optional leading space joins the run that follows it.
  const look = cps[pos] === SPACE ? pos + 1 : pos;
  if (look < end) {
    const cp = cps[look];
    const runOf = isLetter(cp) ? isLetter : isNumber(cp) ? isNumber : isOther(cp) ? isOther : null;
    if (runOf) {
      let p = look + 1;
      while (p < end && runOf(cps[p])) p++;
      return p;
    }
  }
  return whitespaceRunEnd(cps, pos, end);
}

/** `\s+(?!\S)|\s+`: a run of whitespace leaves its last character to the word after it. */
function whitespaceRunEnd(cps: readonly number[], pos: number, end: number): number {
  let n = 0;
  while (pos + n < end && isWhitespace(cps[pos + n])) n++;
  if (n > 1 && pos + n < end) return pos + n - 1;
  if (n > 0) return pos + n;
  return pos + 1;
}

/**
 * Hand-written scanner for the Llama 3 rule
 * `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
 */
function llama3Step({ cps }: SplitInput, bounds: number[]): number[] {
  const out = [bounds[0]];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const end = bounds[k + 1];
    let pos = bounds[k];
    while (pos < end) {
      if (isNumber(cps[pos])) {
        // Numbers go out in groups of at most three digits.
        let p = pos;
        while (p < end && isNumber(cps[p]) && p - pos < 3) p++;
        out.push((pos = p));
        continue;
      }
      pos = llama3Next(cps, pos, end);
      out.push(pos);
    }
  }
  return out;
}

function llama3Next(cps: readonly number[], pos: number, end: number): number {
  const contraction = contractionLength(cps, pos, end, true);
  if (contraction) return pos + contraction;
  const cp = cps[pos];
  // [^\r\n\p{L}\p{N}]?\p{L}+ : one optional non-letter lead, then letters.
  if (cp !== CR && cp !== LF && (isLetter(cp) || (pos + 1 < end && isLetter(cps[pos + 1])))) {
    let p = pos + 1;
    while (p < end && isLetter(cps[p])) p++;
    return p;
  }
  // " ?[^\s\p{L}\p{N}]+[\r\n]*"
  const look = cp === SPACE ? pos + 1 : pos;
  if (look >= end || isOther(cps[look])) {
    let p = look;
    while (p < end && isOther(cps[p])) p++;
    while (p < end && (cps[p] === CR || cps[p] === LF)) p++;
    return p;
  }
  // \s*[\r\n]+ : whitespace up to and including the last line break of the run.
  let n = 0;
  let afterLastBreak = -1;
  while (pos + n < end && isWhitespace(cps[pos + n])) {
    if (cps[pos + n] === CR || cps[pos + n] === LF) afterLastBreak = pos + n + 1;
    n++;
  }
  if (afterLastBreak > 0) return afterLastBreak;
  return whitespaceRunEnd(cps, pos, end);
}

/*
 * Rules without a hand-written scanner run as regular expressions over a
 * "collapsed" text with one character per code point: ASCII stays as it is,
 * other whitespace becomes \v, and any other code point becomes one byte naming
 * its category. \p{..} classes in the rule are rewritten to match that byte
 * plus the ASCII members of the category. This is how the reference evaluates
 * these rules, so both agree on every input.
 */
const CATEGORY_BYTE: Partial<Record<CharClass, string>> = {
  [CharClass.Number]: '\xd1',
  [CharClass.Letter]: '\xd2',
  [CharClass.Punctuation]: '\xd3',
  [CharClass.Mark]: '\xd4',
  [CharClass.Symbol]: '\xd5',
};
const OTHER_BYTE = '\xd0';

const CLASS_IN_COLLAPSED: Record<string, string> = {
  N: '\\xd10-9',
  L: '\\xd2A-Za-z',
  P: '\\xd3!-#%-*,-\\/:-;?-@\\[-\\]_\\{\\}',
  M: '\\xd4',
  S: '\\xd5\\$\\+<->\\^`\\|',
};

function collapseText(cps: readonly number[]): string {
  let s = '';
  for (const cp of cps) {
    if (cp < 0x80) s += String.fromCharCode(cp);
    else if (isWhitespace(cp)) s += '\x0b';
    else s += CATEGORY_BYTE[charClass(cp)] ?? OTHER_BYTE;
  }
  return s;
}

/** Rewrites \p{L} \p{N} \p{P} \p{M} \p{S} of a rule into classes over the collapsed text. */
export function collapseRule(rule: string): RegExp {
  let out = '';
  let inClass = false;
  for (let i = 0; i < rule.length; i++) {
    const ch = rule[i];
    if (ch === '\\') {
      const m = /^\\p\{([LNPMS])\}/.exec(rule.slice(i));
      if (m) {
        const body = CLASS_IN_COLLAPSED[m[1]];
        out += inClass ? body : `[${body}]`;
        i += m[0].length - 1;
      } else {
        out += rule.slice(i, i + 2);
        i++;
      }
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    out += ch;
  }
  return new RegExp(out, 'g');
}

function regexStep(rule: string): SplitStep {
  const re = collapseRule(rule);
  return (input, bounds) => {
    const collapsed = input.collapsed();
    const out = [bounds[0]];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const start = bounds[k];
      const end = bounds[k + 1];
      const piece = collapsed.slice(start, end);
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(piece)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        if (start + m.index > out[out.length - 1]) out.push(start + m.index); // unmatched gap
        out.push(start + m.index + m[0].length);
      }
      if (out[out.length - 1] !== end) out.push(end);
    }
    return out;
  };
}

const GPT2_RULE = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const QWEN2_RULE =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

export interface PreTokenizerPreset {
  steps: SplitStep[];
  /** Look a whole word up in the vocabulary before merging (Llama 3). */
  ignoreMerges: boolean;
  /** Default for add_bos when the file does not say. */
  addBosDefault: boolean;
}

function preset(steps: SplitStep[], ignoreMerges = false, addBosDefault = false): PreTokenizerPreset {
  return { steps, ignoreMerges, addBosDefault };
}

const PRESETS: Record<string, () => PreTokenizerPreset> = {
  default: () =>
    preset([regexStep('[\\p{P}\\$\\+<=>\\^~\\|]+'), gpt2Step, regexStep('\\p{N}+'), regexStep('[0-9][0-9][0-9]')]),
  gpt2: () => preset([gpt2Step]),
  llama3: () => preset([llama3Step], true, true),
  // Same rule as Llama 3, but merges always apply and BOS is not implied.
  'llama3-rule': () => preset([llama3Step]),
  qwen2: () => preset([regexStep(QWEN2_RULE)]),
  starcoder: () => preset([regexStep('\\p{N}'), gpt2Step]),
};

/** tokenizer.ggml.pre values and the rule set each one uses (as in the reference loader). */
const PRE_NAMES: Record<string, keyof typeof PRESETS> = {
  default: 'default',
  ...Object.fromEntries(
    ['gpt-2', 'phi-2', 'mpt', 'olmo', 'jina-es', 'jina-de', 'jina-v2-es', 'jina-v2-de', 'gigachat', 'a.x-4.0', 'mellum', 'exaone4'].map((n) => [n, 'gpt2']),
  ),
  ...Object.fromEntries(
    ['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'falcon-h1', 'pixtral', 'midm-2.0', 'lfm2', 'jina-v5-nano'].map((n) => [n, 'llama3']),
  ),
  dbrx: 'llama3-rule',
  'smaug-bpe': 'llama3-rule',
  ...Object.fromEntries(['qwen2', 'deepseek-r1-qwen', 'kormo', 'stablelm2', 'megrez'].map((n) => [n, 'qwen2'])),
  ...Object.fromEntries(['starcoder', 'smollm', 'refact', 'codeshell', 'exaone', 'minerva-7b', 'command-r'].map((n) => [n, 'starcoder'])),
};

export const SUPPORTED_PRE_TOKENIZERS: readonly string[] = Object.keys(PRE_NAMES);

/** The pre-tokenizer for a tokenizer.ggml.pre value; a missing value means "default". */
export function preTokenizerFor(pre: string | undefined): PreTokenizerPreset {
  const name = PRE_NAMES[pre ?? 'default'];
  if (!name) {
    throw new TokenizerError(
      'TOKENIZER_UNSUPPORTED_PRE',
      `tokenizer.ggml.pre "${pre}" is not supported; supported: ${SUPPORTED_PRE_TOKENIZERS.join(', ')}.`,
    );
  }
  return PRESETS[name]();
}

/**
 * Cuts text into pre-tokenizer words. Words are slices of `text`, so a lone
 * surrogate stays in its word; byte-level encoding later turns it into the
 * bytes of U+FFFD, as the reference does with invalid UTF-8.
 */
export function splitWords(text: string, steps: readonly SplitStep[]): string[] {
  const { cps, offsets } = codePoints(text);
  if (cps.length === 0) return [];
  let collapsed: string | undefined;
  const input: SplitInput = { cps, collapsed: () => (collapsed ??= collapseText(cps)) };
  let bounds = [0, cps.length];
  for (const step of steps) bounds = step(input, bounds);
  const words: string[] = new Array(bounds.length - 1);
  for (let k = 0; k + 1 < bounds.length; k++) words[k] = text.slice(offsets[bounds[k]], offsets[bounds[k + 1]]);
  return words;
}
