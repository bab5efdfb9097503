import { BlockManager } from './block-manager';
import { Sequence } from './sequence';

const seq = (id: string, n: number, base = 0) => new Sequence(id, Array.from({ length: n }, (_, i) => base + i));

/** Marks `n` more tokens computed, as the scheduler's update would. */
function compute(bm: BlockManager, s: Sequence, n: number) {
  expect(bm.allocateSlots(s, n)).toBe(true);
  s.numComputedTokens += n;
  bm.cacheFullBlocks(s);
}

describe('BlockManager', () => {
  it('allocates ceil(tokens / blockSize) blocks and frees them all', () => {
    const bm = new BlockManager({ numBlocks: 10, blockSize: 4 });
    const a = seq('a', 9);
    compute(bm, a, 9);
    expect(a.blockTable).toHaveLength(3);
    expect(new Set(a.blockTable).size).toBe(3);
    expect(bm.numFreeBlocks).toBe(7);
    bm.free(a);
    expect(bm.numFreeBlocks).toBe(10);
    expect(a.blockTable).toEqual([]);
  });

  it('adds a block only when the last one is full', () => {
    const bm = new BlockManager({ numBlocks: 10, blockSize: 4 });
    const a = seq('a', 4);
    compute(bm, a, 4);
    expect(a.blockTable).toHaveLength(1);
    a.appendToken(99);
    compute(bm, a, 1);
    expect(a.blockTable).toHaveLength(2);
    for (let i = 0; i < 3; i++) {
      a.appendToken(i);
      compute(bm, a, 1);
    }
    expect(a.blockTable).toHaveLength(2);
  });

  it('is all-or-nothing when the pool is too small', () => {
    const bm = new BlockManager({ numBlocks: 2, blockSize: 4 });
    const a = seq('a', 12);
    expect(bm.canAllocateSlots(a, 12)).toBe(false);
    expect(bm.allocateSlots(a, 12)).toBe(false);
    expect(a.blockTable).toEqual([]);
    expect(bm.numFreeBlocks).toBe(2);
  });

  it('reuses full cached blocks of a shared prefix, never the last token', () => {
    const bm = new BlockManager({ numBlocks: 20, blockSize: 4 });
    const a = seq('a', 10);
    compute(bm, a, 10);
    const b = new Sequence('b', [...a.tokenIds.slice(0, 8), 500, 501, 502]);
    const hits = bm.findCachedPrefix(b);
    expect(hits.map((h) => h.id)).toEqual(a.blockTable.slice(0, 2));
    expect(bm.allocateSlots(b, 3, hits)).toBe(true);
    expect(b.numComputedTokens).toBe(8);
    expect(b.numCachedTokens).toBe(8);
    expect(bm.refCount(a.blockTable[0])).toBe(2);
    // Exactly 8 tokens equal to a's first two blocks: only 1 block may be served.
    const c = new Sequence('c', a.tokenIds.slice(0, 8));
    expect(bm.findCachedPrefix(c)).toHaveLength(1);
    expect(bm.numPrefixHits).toBe(2);
  });

  it('does not match a block whose earlier blocks differ', () => {
    const bm = new BlockManager({ numBlocks: 20, blockSize: 4 });
    const a = seq('a', 9);
    compute(bm, a, 9);
    const b = new Sequence('b', [777, ...a.tokenIds.slice(1)]);
    expect(bm.findCachedPrefix(b)).toEqual([]);
  });

  it('keeps freed blocks cached until their slots are needed, evicting least recently freed first', () => {
    const bm = new BlockManager({ numBlocks: 4, blockSize: 2 });
    const a = seq('a', 5, 0);
    compute(bm, a, 5);
    bm.free(a);
    expect(bm.numFreeBlocks).toBe(4);
    const again = seq('again', 5, 0);
    expect(bm.findCachedPrefix(again)).toHaveLength(2);
    // A different sequence needing all 4 blocks evicts the cached ones.
    const other = seq('other', 8, 100);
    compute(bm, other, 8);
    expect(bm.numEvictions).toBeGreaterThanOrEqual(2);
    bm.free(other);
    expect(bm.findCachedPrefix(seq('again2', 5, 0))).toEqual([]);
  });

  it('counts touched free cached blocks against the pool', () => {
    const bm = new BlockManager({ numBlocks: 3, blockSize: 2 });
    const a = seq('a', 5);
    compute(bm, a, 5);
    bm.free(a);
    const b = seq('b', 7);
    const hits = bm.findCachedPrefix(b);
    expect(hits).toHaveLength(2);
    // 2 cached + 2 new blocks > 3 in the pool.
    expect(bm.canAllocateSlots(b, 3, hits)).toBe(false);
    expect(bm.allocateSlots(b, 3, hits)).toBe(false);
    expect(bm.numFreeBlocks).toBe(3);
  });

  it('shares blocks on fork and copies a shared partial block before writing to it', () => {
    const bm = new BlockManager({ numBlocks: 10, blockSize: 4 });
    const parent = seq('p', 6);
    compute(bm, parent, 6);
    const child = new Sequence('c', parent.tokenIds);
    bm.fork(parent, child);
    expect(child.blockTable).toEqual(parent.blockTable);
    expect(bm.refCount(parent.blockTable[1])).toBe(2);
    child.appendToken(42);
    expect(bm.allocateSlots(child, 1)).toBe(true);
    const copies = bm.takePendingCopies();
    expect(copies).toEqual([{ src: parent.blockTable[1], dst: child.blockTable[1] }]);
    expect(child.blockTable[0]).toBe(parent.blockTable[0]);
    expect(child.blockTable[1]).not.toBe(parent.blockTable[1]);
    expect(bm.refCount(parent.blockTable[1])).toBe(1);
    expect(bm.takePendingCopies()).toEqual([]);
    bm.free(child);
    bm.free(parent);
    expect(bm.numFreeBlocks).toBe(10);
  });

  it('rejects invalid configuration', () => {
    expect(() => new BlockManager({ numBlocks: 0 })).toThrow(RangeError);
    expect(() => new BlockManager({ numBlocks: 4, blockSize: 0 })).toThrow(RangeError);
  });
});
