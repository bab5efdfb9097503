import type { BlockHash } from './block-hash';
import { BlockManager, type BlockCopy } from './block-manager';
import { Sequence, SequenceStatus } from './sequence';

export interface SchedulerConfig {
  /** Most sequences in one step. */
  maxNumSeqs: number;
  /** Most tokens (prefill + decode) in one step: the forward's token budget. */
  maxNumBatchedTokens: number;
  /** Split prompts longer than the remaining budget across steps. */
  enableChunkedPrefill?: boolean;
}

/** One sequence's share of a step: run `numNewTokens` tokens starting at position `start`. */
export interface ScheduledSequence {
  seq: Sequence;
  start: number;
  numNewTokens: number;
  /** True when this step reaches the end of the sequence's tokens, so a token is sampled. */
  sample: boolean;
}

/** What the runner executes this step (vLLM's SchedulerOutput, in small). */
export interface SchedulerOutput {
  scheduled: ScheduledSequence[];
  numBatchedTokens: number;
  /** Block copies to perform before the forward (copy-on-write). */
  copies: BlockCopy[];
  /** Sequences whose blocks were freed this step; they will be recomputed later. */
  preempted: Sequence[];
}

/**
 * Iteration-level (continuous) batching. Each step first continues running
 * sequences (decode tokens, or the next chunk of a long prompt), preempting the
 * lowest-priority newest sequence when blocks run out, then admits waiting
 * sequences by priority and arrival under the token budget and sequence cap.
 */
export class Scheduler {
  readonly waiting: Sequence[] = [];
  readonly running: Sequence[] = [];
  private nextArrival = 0;
  numPreemptions = 0;

  constructor(
    readonly config: SchedulerConfig,
    readonly blockManager: BlockManager,
  ) {
    if (!(config.maxNumSeqs >= 1)) throw new RangeError(`maxNumSeqs must be at least 1, got ${config.maxNumSeqs}`);
    if (!(config.maxNumBatchedTokens >= 1)) throw new RangeError(`maxNumBatchedTokens must be at least 1, got ${config.maxNumBatchedTokens}`);
  }

  get hasWork(): boolean {
    return this.waiting.length > 0 || this.running.length > 0;
  }

  add(seq: Sequence): void {
    const needed = this.blockManager.blocksFor(seq.numTokens);
    if (needed > this.blockManager.numBlocks) {
      throw new RangeError(`sequence ${seq.id} needs ${needed} KV blocks but the pool has ${this.blockManager.numBlocks}`);
    }
    if (seq.arrival < 0) seq.arrival = this.nextArrival++;
    seq.status = SequenceStatus.Waiting;
    this.enqueueWaiting(seq);
  }

  /** Removes a sequence wherever it is and frees its blocks. Returns false if unknown. */
  finish(seq: Sequence): boolean {
    const queue = seq.status === SequenceStatus.Running ? this.running : this.waiting;
    const i = queue.indexOf(seq);
    if (i < 0) return false;
    queue.splice(i, 1);
    this.blockManager.free(seq);
    seq.status = SequenceStatus.Finished;
    return true;
  }

  schedule(): SchedulerOutput {
    let budget = this.config.maxNumBatchedTokens;
    const scheduled: ScheduledSequence[] = [];
    const preempted: Sequence[] = [];

    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const seq = this.running[i];
      const numNew = Math.min(seq.numPendingTokens, budget);
      if (numNew === 0) continue;
      let fits = this.blockManager.allocateSlots(seq, numNew);
      while (!fits) {
        const victim = this.pickVictim();
        const victimIndex = this.running.indexOf(victim);
        this.preempt(victim);
        preempted.push(victim);
        if (victim === seq) break;
        // A victim scheduled earlier in this step gives its tokens back.
        const earlier = scheduled.findIndex((s) => s.seq === victim);
        if (earlier >= 0) budget += scheduled.splice(earlier, 1)[0].numNewTokens;
        if (victimIndex < i) i--;
        fits = this.blockManager.allocateSlots(seq, numNew);
      }
      if (!fits) {
        i--; // `seq` left `running`; the next sequence now sits at index i
        continue;
      }
      scheduled.push(this.entry(seq, numNew));
      budget -= numNew;
    }

    if (preempted.length === 0 && this.waiting.length > 0) {
      const bm = this.blockManager;
      const inFlight = bm.enablePrefixCaching ? this.blocksComputedBy(scheduled) : null;
      let i = 0;
      while (i < this.waiting.length && budget > 0 && this.running.length < this.config.maxNumSeqs) {
        const seq = this.waiting[i];
        const cached = bm.lookupCachedPrefix(seq);
        const next = inFlight ? bm.nextPrefixBlockHash(seq, cached) : null;
        if (next !== null && inFlight?.has(next)) {
          // This step computes the sequence's next prefix block for another
          // sequence (a burst sharing a new system prompt): wait one step and
          // take it from the cache instead of computing it twice.
          i++;
          continue;
        }
        const pending = seq.numTokens - cached.length * bm.blockSize;
        if (pending > budget && !this.config.enableChunkedPrefill && scheduled.length > 0) break;
        const numNew = Math.min(pending, budget);
        if (!bm.allocateSlots(seq, numNew, cached)) break;
        bm.recordPrefixQuery(seq, cached);
        this.waiting.splice(i, 1);
        seq.status = SequenceStatus.Running;
        this.running.push(seq);
        scheduled.push(this.entry(seq, numNew));
        budget -= numNew;
        for (const hash of bm.pendingBlockHashes(seq, seq.numComputedTokens + numNew)) inFlight?.add(hash);
      }
    }

    return {
      scheduled,
      numBatchedTokens: this.config.maxNumBatchedTokens - budget,
      copies: this.blockManager.takePendingCopies(),
      preempted,
    };
  }

  /**
   * Applies a step's results: computed tokens advance, full blocks enter the prefix
   * cache, and each sampling sequence gets its new token (from `sampled`, by id).
   */
  update(output: SchedulerOutput, sampled: ReadonlyMap<string, number>): void {
    for (const { seq, numNewTokens, sample } of output.scheduled) {
      if (seq.status !== SequenceStatus.Running) continue; // finished or aborted meanwhile
      seq.numComputedTokens += numNewTokens;
      this.blockManager.cacheFullBlocks(seq);
      if (sample) {
        const token = sampled.get(seq.id);
        if (token === undefined) throw new Error(`no sampled token for sequence ${seq.id}`);
        seq.appendToken(token);
      }
    }
  }

  /** Hashes of the full blocks this step's entries complete that are not cached yet. */
  private blocksComputedBy(scheduled: readonly ScheduledSequence[]): Set<BlockHash> {
    const hashes = new Set<BlockHash>();
    for (const { seq, start, numNewTokens } of scheduled) {
      for (const hash of this.blockManager.pendingBlockHashes(seq, start + numNewTokens)) hashes.add(hash);
    }
    return hashes;
  }

  private entry(seq: Sequence, numNewTokens: number): ScheduledSequence {
    const start = seq.numComputedTokens;
    return { seq, start, numNewTokens, sample: start + numNewTokens === seq.numTokens };
  }

  /** Lowest priority first; among equals the newest arrival. */
  private pickVictim(): Sequence {
    let victim = this.running[this.running.length - 1];
    for (const s of this.running) {
      if (s.priority < victim.priority || (s.priority === victim.priority && s.arrival > victim.arrival)) victim = s;
    }
    return victim;
  }

  private preempt(seq: Sequence): void {
    this.running.splice(this.running.indexOf(seq), 1);
    this.blockManager.free(seq);
    seq.status = SequenceStatus.Waiting;
    seq.numPreemptions++;
    this.numPreemptions++;
    this.enqueueWaiting(seq);
  }

  /** Keeps `waiting` ordered by priority (high first), then arrival (early first). */
  private enqueueWaiting(seq: Sequence): void {
    let i = this.waiting.length;
    while (i > 0 && before(seq, this.waiting[i - 1])) i--;
    this.waiting.splice(i, 0, seq);
  }
}

function before(a: Sequence, b: Sequence): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.arrival < b.arrival);
}
