/** Where a sequence is in its life. */
export enum SequenceStatus {
  Waiting = 'waiting',
  Running = 'running',
  Finished = 'finished',
}

export interface SequenceOptions {
  /** Larger runs first among waiting sequences; ties go first-come-first-served. */
  priority?: number;
  /** Arrival order; the scheduler assigns one when omitted. */
  arrival?: number;
}

/**
 * One token stream sharing the KV pool: the prompt plus what has been generated.
 * The block manager owns `blockTable`; the scheduler owns the counters.
 */
export class Sequence {
  readonly tokenIds: number[];
  readonly numPromptTokens: number;
  status = SequenceStatus.Waiting;
  /** Tokens whose K/V are in the cache (computed, or reused from the prefix cache). */
  numComputedTokens = 0;
  /** Of those, how many came from the prefix cache at the last allocation. */
  numCachedTokens = 0;
  /** Physical block ids, in order; block i holds tokens [i*blockSize, (i+1)*blockSize). */
  blockTable: number[] = [];
  /** How many times this sequence was preempted (its blocks freed and recomputed). */
  numPreemptions = 0;
  priority: number;
  arrival: number;

  constructor(
    readonly id: string,
    promptTokenIds: readonly number[],
    options: SequenceOptions = {},
  ) {
    if (promptTokenIds.length === 0) throw new RangeError(`sequence ${id}: the prompt has no tokens`);
    this.tokenIds = [...promptTokenIds];
    this.numPromptTokens = promptTokenIds.length;
    this.priority = options.priority ?? 0;
    this.arrival = options.arrival ?? -1;
  }

  get numTokens(): number {
    return this.tokenIds.length;
  }

  get numOutputTokens(): number {
    return this.tokenIds.length - this.numPromptTokens;
  }

  /** Tokens still to run through the model before the next token can be sampled. */
  get numPendingTokens(): number {
    return this.tokenIds.length - this.numComputedTokens;
  }

  get lastTokenId(): number {
    return this.tokenIds[this.tokenIds.length - 1];
  }

  appendToken(tokenId: number): void {
    this.tokenIds.push(tokenId);
  }
}
