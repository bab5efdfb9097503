import type { BlockHash } from './block-hash';

/** One physical KV block: `blockSize` token slots in every layer's K and V pools. */
export interface KVBlock {
  readonly id: number;
  refCount: number;
  /** Set once the block is full and registered in the prefix cache. */
  hash: BlockHash | null;
  /** The block's tokens, kept with the hash so a cache hit can be verified. */
  tokens: number[] | null;
}

/**
 * The fixed pool of blocks and its free queue. Free blocks are kept in LRU order
 * (a Map preserves insertion order): new allocations take the least recently
 * freed block, which may evict it from the prefix cache; a cached block that is
 * hit again while free leaves the queue without losing its contents.
 */
export class BlockPool {
  readonly blocks: KVBlock[];
  private readonly free = new Map<number, KVBlock>();
  private readonly cached = new Map<BlockHash, KVBlock>();
  /** Blocks evicted from the prefix cache to make room (a metric). */
  numEvictions = 0;

  constructor(readonly numBlocks: number) {
    if (!Number.isInteger(numBlocks) || numBlocks < 1) throw new RangeError(`numBlocks must be a positive integer, got ${numBlocks}`);
    this.blocks = Array.from({ length: numBlocks }, (_, id) => ({ id, refCount: 0, hash: null, tokens: null }));
    for (const b of this.blocks) this.free.set(b.id, b);
  }

  get numFree(): number {
    return this.free.size;
  }

  get numCached(): number {
    return this.cached.size;
  }

  /** Takes the least recently freed block, evicting its cached contents if any. */
  allocate(): KVBlock {
    const next = this.free.values().next();
    if (next.done) throw new Error('BlockPool.allocate called with no free block; check numFree first');
    const block = next.value;
    this.free.delete(block.id);
    if (block.hash !== null) {
      this.cached.delete(block.hash);
      this.numEvictions++;
    }
    block.hash = null;
    block.tokens = null;
    block.refCount = 1;
    return block;
  }

  /** Adds a reference; a free (cached) block leaves the free queue. */
  touch(block: KVBlock): void {
    if (block.refCount === 0) this.free.delete(block.id);
    block.refCount++;
  }

  /** Drops a reference; at zero the block joins the tail of the free queue, contents kept. */
  release(block: KVBlock): void {
    if (block.refCount <= 0) throw new Error(`block ${block.id} released more often than referenced`);
    block.refCount--;
    if (block.refCount === 0) this.free.set(block.id, block);
  }

  lookup(hash: BlockHash): KVBlock | undefined {
    return this.cached.get(hash);
  }

  /** Registers a full block under its hash unless an equal block is already cached. */
  register(block: KVBlock, hash: BlockHash, tokens: number[]): void {
    if (block.hash !== null || this.cached.has(hash)) return;
    block.hash = hash;
    block.tokens = tokens;
    this.cached.set(hash, block);
  }
}
