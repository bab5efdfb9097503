import { MinHeap } from './min-heap';
import type { Vocab } from './vocab';

interface Pair {
  score: number;
  left: number;
  right: number;
  length: number;
}

/** Higher score first; among equal scores, the leftmost pair first (the reference order). */
const bestFirst = (a: Pair, b: Pair) => a.score > b.score || (a.score === b.score && a.left < b.left);

const utf8 = new TextEncoder();

/**
 * SentencePiece-style BPE as the reference runs it for `llama` vocabularies:
 * start from single code points and repeatedly join the neighbouring pair
 * whose joined text is the vocabulary token with the highest score. Code
 * points that end up in no token are spelled as <0xXX> byte tokens.
 * `text` must already have spaces escaped as "▁".
 */
export function encodeSentencePiece(text: string, vocab: Vocab, out: number[]): void {
  const sym = Array.from(text);
  const n = sym.length;
  if (n === 0) return;
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  const heap = new MinHeap<Pair>(bestFirst);
  const consider = (left: number, right: number) => {
    if (left < 0 || right < 0) return;
    const joined = sym[left] + sym[right];
    const id = vocab.ids.get(joined);
    if (id !== undefined) heap.push({ score: vocab.scores[id], left, right, length: joined.length });
  };
  for (let i = 0; i + 1 < n; i++) consider(i, i + 1);

  for (let p = heap.pop(); p !== undefined; p = heap.pop()) {
    const { left, right } = p;
    // Stale when either side was merged away or has grown since the pair was queued.
    if (sym[left] === '' || sym[right] === '' || sym[left].length + sym[right].length !== p.length) continue;
    sym[left] += sym[right];
    sym[right] = '';
    next[left] = next[right];
    if (next[right] >= 0) prev[next[right]] = left;
    consider(prev[left], left);
    consider(left, next[left]);
  }

  for (let i = 0; i !== -1; i = next[i]) {
    const id = vocab.ids.get(sym[i]);
    if (id !== undefined) out.push(id);
    else pushByteFallback(sym[i], vocab, out);
  }
}

/**
 * Spells a symbol as its UTF-8 byte tokens (<0xXX>, or a one-byte token). If
 * the vocabulary lacks any of them, the symbol becomes one unknown token
 * instead (the reference aborts here).
 */
function pushByteFallback(symbol: string, vocab: Vocab, out: number[]): void {
  const ids: number[] = [];
  for (const b of utf8.encode(symbol)) {
    const hex = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    const id = vocab.ids.get(hex) ?? (b < 0x80 ? vocab.ids.get(String.fromCharCode(b)) : undefined);
    if (id === undefined) {
      if (vocab.unkId !== undefined) out.push(vocab.unkId);
      return;
    }
    ids.push(id);
  }
  out.push(...ids);
}
