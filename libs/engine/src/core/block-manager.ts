import { hashBlock, NO_PARENT, type BlockHash } from './block-hash';
import { BlockPool, type KVBlock } from './block-pool';
import type { Sequence } from './sequence';

export interface BlockManagerConfig {
  numBlocks: number;
  /** Token slots per block (default 16). */
  blockSize?: number;
  enablePrefixCaching?: boolean;
}

/** A pending device-side copy of one block's K/V (copy-on-write for shared blocks). */
export interface BlockCopy {
  src: number;
  dst: number;
}

/**
 * Paged KV-cache bookkeeping: which physical blocks each sequence owns, prefix
 * caching of full blocks, reference counts and copy-on-write. Pure state, no I/O:
 * the runner reads block tables and copy lists, native code moves the bytes.
 */
export class BlockManager {
  readonly blockSize: number;
  readonly enablePrefixCaching: boolean;
  private readonly pool: BlockPool;
  /** Hash of each sequence's registered full blocks, in order (the prefix chain). */
  private readonly chains = new Map<string, BlockHash[]>();
  private pendingCopies: BlockCopy[] = [];
  numPrefixQueries = 0;
  numPrefixHits = 0;
  numPrefixQueriedTokens = 0;
  numPrefixHitTokens = 0;

  constructor(config: BlockManagerConfig) {
    this.blockSize = config.blockSize ?? 16;
    if (!Number.isInteger(this.blockSize) || this.blockSize < 1) throw new RangeError(`blockSize must be a positive integer, got ${this.blockSize}`);
    this.enablePrefixCaching = config.enablePrefixCaching ?? true;
    this.pool = new BlockPool(config.numBlocks);
  }

  get numBlocks(): number {
    return this.pool.numBlocks;
  }

  get numFreeBlocks(): number {
    return this.pool.numFree;
  }

  /** Fraction of the pool referenced by live sequences (cached free blocks count as free). */
  get usage(): number {
    return 1 - this.pool.numFree / this.pool.numBlocks;
  }

  get numEvictions(): number {
    return this.pool.numEvictions;
  }

  blocksFor(numTokens: number): number {
    return Math.ceil(numTokens / this.blockSize);
  }

  /**
   * Longest run of cached full blocks matching the start of a fresh sequence. The last
   * token is never served from cache: its logits must be computed to sample from them.
   * Counts the query in the hit counters; `lookupCachedPrefix` does not.
   */
  findCachedPrefix(seq: Sequence): KVBlock[] {
    const hits = this.lookupCachedPrefix(seq);
    if (seq.blockTable.length === 0) this.recordPrefixQuery(seq, hits);
    return hits;
  }

  /** `findCachedPrefix` without counting: a scheduler may look again next step. */
  lookupCachedPrefix(seq: Sequence): KVBlock[] {
    if (!this.enablePrefixCaching || seq.blockTable.length > 0) return [];
    const maxBlocks = this.maxCachedBlocks(seq);
    const hits: KVBlock[] = [];
    let parent = NO_PARENT;
    for (let i = 0; i < maxBlocks; i++) {
      const start = i * this.blockSize;
      const hash = hashBlock(parent, seq.tokenIds, start, start + this.blockSize);
      const block = this.pool.lookup(hash);
      if (!block || !sameTokens(block.tokens, seq.tokenIds, start, this.blockSize)) break;
      hits.push(block);
      parent = hash;
    }
    return hits;
  }

  /** Counts one prefix-cache query of a fresh sequence and its hits (the metrics); nothing when caching is off. */
  recordPrefixQuery(seq: Sequence, hits: readonly KVBlock[]): void {
    if (!this.enablePrefixCaching) return;
    this.numPrefixQueries++;
    this.numPrefixQueriedTokens += seq.numTokens;
    if (hits.length > 0) this.numPrefixHits++;
    this.numPrefixHitTokens += hits.length * this.blockSize;
  }

  /**
   * Hash of the first block a fresh sequence would compute after its cached
   * prefix `cached`, or null when that block could not be served from cache
   * anyway (prefix caching off, or it holds the last token).
   */
  nextPrefixBlockHash(seq: Sequence, cached: readonly KVBlock[]): BlockHash | null {
    const i = cached.length;
    if (!this.enablePrefixCaching || i >= this.maxCachedBlocks(seq)) return null;
    const parent = i === 0 ? NO_PARENT : (cached[i - 1].hash as BlockHash);
    return hashBlock(parent, seq.tokenIds, i * this.blockSize, (i + 1) * this.blockSize);
  }

  /**
   * Hashes of the blocks `seq` fills by computing its tokens up to `numTokens`
   * that are not registered yet: what a step will add to the prefix cache.
   */
  pendingBlockHashes(seq: Sequence, numTokens: number): BlockHash[] {
    if (!this.enablePrefixCaching) return [];
    const chain = this.chains.get(seq.id) ?? [];
    const hashes: BlockHash[] = [];
    let parent = chain.length > 0 ? chain[chain.length - 1] : NO_PARENT;
    for (let i = chain.length; i < Math.floor(numTokens / this.blockSize); i++) {
      parent = hashBlock(parent, seq.tokenIds, i * this.blockSize, (i + 1) * this.blockSize);
      hashes.push(parent);
    }
    return hashes;
  }

  /** Whether `allocateSlots` would succeed for these arguments. */
  canAllocateSlots(seq: Sequence, numNewTokens: number, cached: KVBlock[] = []): boolean {
    return this.numBlocksNeeded(seq, numNewTokens, cached) <= this.pool.numFree;
  }

  /**
   * Makes room for `numNewTokens` more computed tokens of `seq`, reusing `cached`
   * prefix blocks on a sequence's first allocation. All or nothing: returns false
   * and changes nothing when the pool is too small.
   */
  allocateSlots(seq: Sequence, numNewTokens: number, cached: KVBlock[] = []): boolean {
    if (!this.canAllocateSlots(seq, numNewTokens, cached)) return false;
    if (cached.length > 0) {
      for (const block of cached) this.pool.touch(block);
      seq.blockTable = cached.map((b) => b.id);
      seq.numComputedTokens = cached.length * this.blockSize;
      seq.numCachedTokens = seq.numComputedTokens;
      this.chains.set(seq.id, cached.map((b) => b.hash as BlockHash));
    }
    this.copyOnWriteLastBlock(seq, numNewTokens);
    const target = this.blocksFor(seq.numComputedTokens + numNewTokens);
    while (seq.blockTable.length < target) seq.blockTable.push(this.pool.allocate().id);
    return true;
  }

  /** Registers every block that is now full of computed tokens in the prefix cache. */
  cacheFullBlocks(seq: Sequence): void {
    if (!this.enablePrefixCaching) return;
    const chain = this.chains.get(seq.id) ?? [];
    const numFull = Math.min(Math.floor(seq.numComputedTokens / this.blockSize), seq.blockTable.length);
    for (let i = chain.length; i < numFull; i++) {
      const start = i * this.blockSize;
      const parent = i === 0 ? NO_PARENT : chain[i - 1];
      const hash = hashBlock(parent, seq.tokenIds, start, start + this.blockSize);
      this.pool.register(this.pool.blocks[seq.blockTable[i]], hash, seq.tokenIds.slice(start, start + this.blockSize));
      chain.push(hash);
    }
    this.chains.set(seq.id, chain);
  }

  /** Shares every block of `parent` with `child` (parallel sampling, n > 1). */
  fork(parent: Sequence, child: Sequence): void {
    if (child.blockTable.length > 0) throw new Error(`sequence ${child.id} already owns blocks`);
    for (const id of parent.blockTable) this.pool.touch(this.pool.blocks[id]);
    child.blockTable = [...parent.blockTable];
    child.numComputedTokens = parent.numComputedTokens;
    this.chains.set(child.id, [...(this.chains.get(parent.id) ?? [])]);
  }

  /** Releases a sequence's blocks, tail first so shared prefixes stay cached longest. */
  free(seq: Sequence): void {
    for (let i = seq.blockTable.length - 1; i >= 0; i--) this.pool.release(this.pool.blocks[seq.blockTable[i]]);
    seq.blockTable = [];
    seq.numComputedTokens = 0;
    seq.numCachedTokens = 0;
    this.chains.delete(seq.id);
  }

  /** Copies the runner must perform before the next forward; clears the list. */
  takePendingCopies(): BlockCopy[] {
    const copies = this.pendingCopies;
    this.pendingCopies = [];
    return copies;
  }

  refCount(blockId: number): number {
    return this.pool.blocks[blockId].refCount;
  }

  /** Full blocks of a sequence that may come from cache: all but the one holding its last token. */
  private maxCachedBlocks(seq: Sequence): number {
    return Math.floor((seq.numTokens - 1) / this.blockSize);
  }

  private numBlocksNeeded(seq: Sequence, numNewTokens: number, cached: KVBlock[]): number {
    const computed = cached.length > 0 ? cached.length * this.blockSize : seq.numComputedTokens;
    const have = cached.length > 0 ? cached.length : seq.blockTable.length;
    // Cached blocks that sit in the free queue stop being free when touched.
    const reclaimed = cached.filter((b) => b.refCount === 0).length;
    const cow = this.needsCopyOnWrite(seq, numNewTokens) ? 1 : 0;
    return Math.max(0, this.blocksFor(computed + numNewTokens) - have) + reclaimed + cow;
  }

  /** A partly filled last block shared with another sequence must be copied before writing. */
  private needsCopyOnWrite(seq: Sequence, numNewTokens: number): boolean {
    if (numNewTokens === 0 || seq.numComputedTokens % this.blockSize === 0) return false;
    const lastIndex = Math.floor(seq.numComputedTokens / this.blockSize);
    const id = seq.blockTable[lastIndex];
    return id !== undefined && this.pool.blocks[id].refCount > 1;
  }

  private copyOnWriteLastBlock(seq: Sequence, numNewTokens: number): void {
    if (!this.needsCopyOnWrite(seq, numNewTokens)) return;
    const lastIndex = Math.floor(seq.numComputedTokens / this.blockSize);
    const shared = this.pool.blocks[seq.blockTable[lastIndex]];
    const copy = this.pool.allocate();
    this.pool.release(shared);
    seq.blockTable[lastIndex] = copy.id;
    this.pendingCopies.push({ src: shared.id, dst: copy.id });
  }
}

function sameTokens(cached: number[] | null, tokens: readonly number[], start: number, length: number): boolean {
  if (!cached || cached.length !== length) return false;
  for (let i = 0; i < length; i++) if (cached[i] !== tokens[start + i]) return false;
  return true;
}
