import { BlockManager } from '../core/block-manager';
import { buildForwardBatch, type ForwardBatch } from '../core/batch';
import { Scheduler, type SchedulerOutput } from '../core/scheduler';
import { Sequence, SequenceStatus } from '../core/sequence';
import type { ModelExecutor, SampledToken, SampleRequest, StreamingDetokenizer } from './executor';
import { CompletionState, RequestState, type FinishReason, type TokenEvent } from './request-state';
import { resolveSamplingParams, type SamplingParams } from './sampling-params';

export interface EngineConfig {
  numBlocks: number;
  blockSize?: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  enablePrefixCaching?: boolean;
  /** Context length of the model: prompt + output never exceed it. */
  maxModelLen: number;
  /** Tokens that end a completion (EOS, EOT, ...). */
  eosTokenIds: number[];
}

export interface GenerateRequest {
  id: string;
  promptTokens: number[];
  params?: Partial<SamplingParams>;
  priority?: number;
}

/** One token to draw this step: a sequence's own, or a parallel sample forked from its prompt. */
interface Draw {
  seqId: string;
  fork: boolean;
  request: SampleRequest;
}

export class EngineError extends Error {
  constructor(
    readonly code: 'EINVAL' | 'ECONTEXT' | 'EDUPLICATE' | 'ECLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface EngineStats {
  running: number;
  waiting: number;
  kvUsage: number;
  numPreemptions: number;
  prefixQueries: number;
  prefixHits: number;
  prefixQueriedTokens: number;
  prefixHitTokens: number;
  steps: number;
}

/**
 * One model replica's request engine: requests join a continuous batch at the next
 * step; one forward runs at a time; tokens stream out as async iterables.
 */
export class LLMEngine {
  readonly scheduler: Scheduler;
  private readonly requests = new Map<string, RequestState>();
  private readonly bySeq = new Map<string, { req: RequestState; c: CompletionState }>();
  private looping = false;
  private closed = false;
  private steps = 0;
  /** When the last step finished; liveness checks compare it with the queue. */
  lastStepAt = performance.now();

  constructor(
    private readonly executor: ModelExecutor,
    private readonly newDetokenizer: () => StreamingDetokenizer,
    private readonly config: EngineConfig,
  ) {
    const bm = new BlockManager({ numBlocks: config.numBlocks, blockSize: config.blockSize ?? 16, enablePrefixCaching: config.enablePrefixCaching ?? true });
    this.scheduler = new Scheduler(
      { maxNumSeqs: config.maxNumSeqs ?? 64, maxNumBatchedTokens: config.maxNumBatchedTokens ?? 2048, enableChunkedPrefill: true },
      bm,
    );
  }

  /** Validates and queues a request; its events stream from the returned iterable. */
  generate(request: GenerateRequest): AsyncIterable<TokenEvent> {
    if (this.closed) throw new EngineError('ECLOSED', 'the engine is shutting down; retry on another replica');
    if (this.requests.has(request.id)) throw new EngineError('EDUPLICATE', `request id ${request.id} is already running`);
    const prompt = request.promptTokens;
    if (prompt.length === 0) throw new EngineError('EINVAL', 'the prompt has no tokens');
    if (prompt.some((t) => !Number.isInteger(t) || t < 0 || t >= this.executor.vocabSize)) {
      throw new EngineError('EINVAL', `prompt token ids must be integers below the vocabulary size ${this.executor.vocabSize}`);
    }
    if (prompt.length >= this.config.maxModelLen) {
      throw new EngineError('ECONTEXT', `the prompt has ${prompt.length} tokens but the model's context is ${this.config.maxModelLen}; shorten it`);
    }
    const params = resolveSamplingParams(request.params ?? {}, this.executor.vocabSize);
    params.maxTokens = Math.min(params.maxTokens, this.config.maxModelLen - prompt.length);
    const seed = params.seed ?? Math.floor(Math.random() * 2 ** 32);
    const req = new RequestState(request.id, params, seed, prompt.length);
    const seq = new Sequence(`${request.id}#0`, prompt, { priority: request.priority ?? 0 });
    this.track(req, new CompletionState(0, seq, this.newDetokenizer(), params.stop));
    this.scheduler.add(seq);
    this.kick();
    return req.events;
  }

  /** Ends a request at once and frees its blocks. Returns false if it is unknown or done. */
  abort(requestId: string): boolean {
    const req = this.requests.get(requestId);
    if (!req) return false;
    this.finishRequest(req, 'abort');
    return true;
  }

  stats(): EngineStats {
    const bm = this.scheduler.blockManager;
    return {
      running: this.scheduler.running.length,
      waiting: this.scheduler.waiting.length,
      kvUsage: bm.usage,
      numPreemptions: this.scheduler.numPreemptions,
      prefixQueries: bm.numPrefixQueries,
      prefixHits: bm.numPrefixHits,
      prefixQueriedTokens: bm.numPrefixQueriedTokens,
      prefixHitTokens: bm.numPrefixHitTokens,
      steps: this.steps,
    };
  }

  get hasWork(): boolean {
    return this.scheduler.hasWork;
  }

  /** Stops taking requests; with `abortInFlight`, ends the running ones too. */
  close(abortInFlight = true): void {
    this.closed = true;
    if (abortInFlight) for (const req of [...this.requests.values()]) this.finishRequest(req, 'abort');
  }

  private track(req: RequestState, c: CompletionState): void {
    req.completions.push(c);
    this.requests.set(req.id, req);
    this.bySeq.set(c.seq.id, { req, c });
  }

  private kick(): void {
    if (this.looping) return;
    this.looping = true;
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    try {
      while (this.scheduler.hasWork) {
        await this.step();
        // Let arrivals and aborts land between steps.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.looping = false;
    }
  }

  private async step(): Promise<void> {
    const out = this.scheduler.schedule();
    if (out.scheduled.length === 0) return;
    const now = performance.now();
    for (const s of out.scheduled) {
      const entry = this.bySeq.get(s.seq.id);
      if (entry && !entry.req.scheduledAt) entry.req.scheduledAt = now;
    }
    try {
      if (out.copies.length > 0) await this.executor.copyBlocks(out.copies);
      const batch = buildForwardBatch(out, this.scheduler.blockManager.blockSize);
      const { draws, results } = await this.forwardAndDraw(batch);
      this.applyResults(out, draws, results);
    } catch (err) {
      this.failScheduled(out, err as Error);
    }
    this.steps++;
    this.lastStepAt = performance.now();
  }

  /**
   * The step's forward and its draws: in one executor call where it can
   * (draws planned before the forward; a request aborted meanwhile gets its
   * draw ignored, as the scheduler and applyResults skip finished
   * sequences), else forward, plan, sample.
   */
  private async forwardAndDraw(batch: ForwardBatch): Promise<{ draws: Draw[]; results: SampledToken[] }> {
    if (this.executor.forwardAndSample) {
      const draws = this.planDraws(batch.logitSeqIds);
      if (draws.length > 0) return { draws, results: await this.executor.forwardAndSample(batch, draws.map((d) => d.request)) };
    }
    const logits = await this.executor.forward(batch);
    const draws = this.planDraws(batch.logitSeqIds);
    const results = draws.length > 0 ? await this.executor.sample(logits, draws.map((d) => d.request)) : [];
    return { draws, results };
  }

  /** One draw per sampling sequence, plus one per pending parallel sample of a fresh prompt. */
  private planDraws(seqIds: string[]): Draw[] {
    const draws: Draw[] = [];
    seqIds.forEach((seqId, row) => {
      const entry = this.bySeq.get(seqId);
      if (!entry || entry.c.finished) return;
      const { req, c } = entry;
      const base = { row, params: req.params, history: c.seq.tokenIds, numPromptTokens: req.numPromptTokens };
      draws.push({ seqId, fork: false, request: { ...base, seed: req.drawSeed(c.index, c.seq.numOutputTokens) } });
      if (c.index === 0 && c.seq.numOutputTokens === 0) {
        for (let k = 1; k <= req.pendingForks; k++) draws.push({ seqId, fork: true, request: { ...base, seed: req.drawSeed(k, 0) } });
      }
    });
    return draws;
  }

  private applyResults(out: SchedulerOutput, draws: { seqId: string; fork: boolean }[], results: SampledToken[]): void {
    const own = new Map<string, SampledToken>();
    const forks = new Map<string, SampledToken[]>();
    draws.forEach((d, i) => {
      if (d.fork) forks.set(d.seqId, [...(forks.get(d.seqId) ?? []), results[i]]);
      else own.set(d.seqId, results[i]);
    });
    this.scheduler.update(out, new Map([...own].map(([id, s]) => [id, s.tokenId])));
    for (const [seqId, sampled] of own) {
      const entry = this.bySeq.get(seqId);
      if (!entry || entry.c.finished) continue;
      for (const f of forks.get(seqId) ?? []) this.forkCompletion(entry.req, entry.c, f);
      this.deliver(entry.req, entry.c, sampled);
    }
  }

  /** A parallel sample shares the prompt's blocks; its first write copies the partial block. */
  private forkCompletion(req: RequestState, parent: CompletionState, first: SampledToken): void {
    const index = req.params.n - req.pendingForks;
    req.pendingForks--;
    const prompt = parent.seq.tokenIds.slice(0, req.numPromptTokens);
    const seq = new Sequence(`${req.id}#${index}`, prompt, { priority: parent.seq.priority, arrival: parent.seq.arrival });
    this.scheduler.blockManager.fork(parent.seq, seq);
    seq.numComputedTokens = req.numPromptTokens;
    seq.appendToken(first.tokenId);
    seq.status = SequenceStatus.Running;
    this.scheduler.running.push(seq);
    const c = new CompletionState(index, seq, this.newDetokenizer(), req.params.stop);
    this.track(req, c);
    this.deliver(req, c, first);
  }

  /** Streams one sampled token and ends the completion on EOS, a stop string or its length. */
  private deliver(req: RequestState, c: CompletionState, sampled: SampledToken): void {
    const now = performance.now();
    if (!c.firstTokenAt) c.firstTokenAt = now;
    c.lastTokenAt = now;
    const p = req.params;
    const isEos = !p.ignoreEos && this.config.eosTokenIds.includes(sampled.tokenId);
    if (isEos || p.stopTokenIds.includes(sampled.tokenId)) {
      req.emitToken(c, sampled, '');
      return this.finishCompletion(req, c, 'stop', c.stop.flush() + c.detok.flush());
    }
    const { text, stopped } = c.stop.push(c.detok.push(sampled.tokenId));
    req.emitToken(c, sampled, text);
    if (stopped) return this.finishCompletion(req, c, 'stop');
    if (c.seq.numOutputTokens >= p.maxTokens || c.seq.numTokens >= this.config.maxModelLen) {
      this.finishCompletion(req, c, 'length', c.stop.push(c.detok.flush()).text + c.stop.flush());
    }
  }

  private finishCompletion(req: RequestState, c: CompletionState, reason: FinishReason, text = '', error?: string): void {
    if (c.finished) return;
    // The finish event's metrics read the sequence (cached prompt tokens among
    // them), so it is emitted before the scheduler frees and resets it.
    req.emitFinish(c, reason, text, error);
    this.scheduler.finish(c.seq);
    this.bySeq.delete(c.seq.id);
    if (req.done) this.requests.delete(req.id);
  }

  private finishRequest(req: RequestState, reason: FinishReason, error?: string): void {
    req.pendingForks = 0;
    for (const c of req.completions) this.finishCompletion(req, c, reason, '', error);
    this.requests.delete(req.id);
  }

  /** A failed forward or sampling ends the requests it carried with an error event, not silence. */
  private failScheduled(out: SchedulerOutput, err: Error): void {
    for (const { seq } of out.scheduled) {
      const entry = this.bySeq.get(seq.id);
      if (entry) this.finishRequest(entry.req, 'error', err.message);
    }
  }
}
