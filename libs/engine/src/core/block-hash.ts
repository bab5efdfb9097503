/**
 * Identity of a full KV block for prefix caching: a hash of the parent block's
 * hash and this block's tokens, so equal hashes mean equal whole prefixes.
 * A 52-bit value from two 32-bit FNV-1a-style lanes keeps it a safe JS number;
 * the block manager still compares token ids on a hit, so a collision can only
 * cost a cache miss, never wrong K/V.
 */
export type BlockHash = number;

export const NO_PARENT: BlockHash = -1;

export function hashBlock(parent: BlockHash, tokens: readonly number[], start: number, end: number): BlockHash {
  let a = 0x811c9dc5 ^ (parent & 0xffffffff);
  let b = 0x01000193 ^ Math.floor(parent / 0x100000000);
  for (let i = start; i < end; i++) {
    const t = tokens[i];
    a = Math.imul(a ^ (t & 0xffff), 0x01000193);
    a = Math.imul(a ^ (t >>> 16), 0x01000193);
    b = Math.imul(b ^ t, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  // 32 bits from lane a, 20 from lane b: 52 bits, exact in a double.
  return (a >>> 0) + (b & 0xfffff) * 0x100000000;
}
