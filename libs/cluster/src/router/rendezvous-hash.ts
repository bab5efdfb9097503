/**
 * Rendezvous (highest-random-weight) hashing: every (key, node) pair gets a
 * pseudo-random score and the node with the highest score wins. Adding or
 * removing a node only moves the keys that node won, so prefix affinity stays
 * stable while replicas come and go.
 */

/** 32-bit FNV-1a over UTF-16 code units, then a murmur3-style finalizer for avalanche. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Score of `node` for `key`; the separator keeps ("ab","c") and ("a","bc") apart. */
export function rendezvousScore(key: string, node: string): number {
  return hash32(`${key}\u0000${node}`);
}

/** Node ids ordered from most to least preferred for `key` (ties broken by id). */
export function rendezvousRank(key: string, nodes: readonly string[]): string[] {
  return nodes
    .map((node) => ({ node, score: rendezvousScore(key, node) }))
    .sort((a, b) => b.score - a.score || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
    .map((entry) => entry.node);
}
