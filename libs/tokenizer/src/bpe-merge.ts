import { MinHeap } from './min-heap';

/** A candidate merge of two neighbouring symbols. */
interface Candidate {
  rank: number;
  left: number;
  right: number;
  text: string;
}

/** Lower rank first; among equal ranks, the leftmost pair first (the reference order). */
const mergeFirst = (a: Candidate, b: Candidate) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left);

/**
 * Byte-pair merging of one pre-tokenized word. Symbols form a linked list;
 * candidate pairs wait in a heap and are dropped when popped if either side
 * has changed since they were queued, so a word of n symbols costs
 * O(n log n) instead of rescanning all pairs after each merge.
 */
export class BpeMerger {
  /** @param ranks merge rank by "left right" (the text of tokenizer.ggml.merges entries). */
  constructor(private readonly ranks: ReadonlyMap<string, number>) {}

  /** Splits `word` (already in the vocabulary's alphabet) into its final symbols. */
  merge(word: string): string[] {
    const text = Array.from(word);
    const n = text.length;
    if (n < 2) return text;
    const prev = new Int32Array(n);
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const heap = new MinHeap<Candidate>(mergeFirst);
    const consider = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const rank = this.ranks.get(text[left] + ' ' + text[right]);
      if (rank !== undefined) heap.push({ rank, left, right, text: text[left] + text[right] });
    };
    for (let i = 0; i + 1 < n; i++) consider(i, i + 1);

    for (let c = heap.pop(); c !== undefined; c = heap.pop()) {
      const { left, right } = c;
      if (text[left] === '' || text[right] === '' || next[left] !== right) continue;
      if (text[left] + text[right] !== c.text) continue; // stale: a side grew since it was queued
      text[left] = c.text;
      text[right] = '';
      next[left] = next[right];
      if (next[right] >= 0) prev[next[right]] = left;
      consider(prev[left], left);
      consider(left, next[left]);
    }

    const symbols: string[] = [];
    for (let i = 0; i !== -1; i = next[i]) symbols.push(text[i]);
    return symbols;
  }
}

/** Rank table from tokenizer.ggml.merges; a repeated entry keeps its first rank, as the reference does. */
export function buildMergeRanks(merges: readonly string[]): Map<string, number> {
  const ranks = new Map<string, number>();
  for (let i = 0; i < merges.length; i++) {
    if (!ranks.has(merges[i])) ranks.set(merges[i], i);
  }
  return ranks;
}
