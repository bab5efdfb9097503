import { Injectable, Logger } from '@nestjs/common';
import { LlamaModel, openLocalEngine, type EngineStats, type LLMEngine, type LocalEngine } from '@tessera/engine';
import type { Tokenizer } from '@tessera/tokenizer';
import { WorkerConfig } from '../config/worker-config';

export class WorkerBootError extends Error {
  readonly code = 'EBOOT';
  constructor(message: string) {
    super(message);
    this.name = 'WorkerBootError';
  }
}

const IDLE_STATS: EngineStats = { running: 0, waiting: 0, kvUsage: 0, numPreemptions: 0, prefixQueries: 0, prefixHits: 0, prefixQueriedTokens: 0, prefixHitTokens: 0, steps: 0 };

/** Owns the one model replica of this process: load, warm-up, and release. */
@Injectable()
export class EngineHost {
  private readonly logger = new Logger(EngineHost.name);
  private local: LocalEngine | undefined;
  /** True once the model is loaded and one decode step succeeded. */
  warmedUp = false;

  constructor(private readonly config: WorkerConfig) {}

  async load(): Promise<void> {
    const c = this.config;
    const started = performance.now();
    try {
      this.local = await openLocalEngine(c.modelPath, {
        threads: c.threads,
        kvBlocks: c.kvBlocks,
        blockSize: c.blockSize,
        maxSeqs: c.maxSeqs,
        maxBatchedTokens: c.maxBatchedTokens,
        maxModelLen: c.maxModelLen,
        tensorParallel: c.tensorParallel,
      });
    } catch (err) {
      throw new WorkerBootError(`cannot load the model ${c.modelPath}: ${(err as Error).message}`);
    }
    await this.warmUp();
    this.warmedUp = true;
    const m = this.local.model;
    this.logger.log(`model ${c.modelName} loaded and warmed up in ${Math.round(performance.now() - started)} ms (context ${this.maxModelLen}, ${m.kvBlocks} KV blocks)`);
  }

  /** One greedy token through the whole path: proves forward and sampling work here. */
  private async warmUp(): Promise<void> {
    const tokenizer = this.tokenizer;
    const promptTokens = [tokenizer.bosId ?? 0];
    const events = this.engine.generate({ id: `warmup-${process.pid}`, promptTokens, params: { maxTokens: 1, temperature: 0, ignoreEos: true } });
    for await (const event of events) {
      if (event.finishReason === 'error') throw new WorkerBootError(`the warm-up decode step failed: ${event.error}`);
    }
  }

  get loaded(): boolean {
    return this.local !== undefined;
  }

  get engine(): LLMEngine {
    return this.require().engine;
  }

  get tokenizer(): Tokenizer {
    return this.require().tokenizer;
  }

  get maxModelLen(): number {
    return this.require().maxModelLen;
  }

  get kvBlocks(): number {
    return this.require().model.kvBlocks;
  }

  get vocabSize(): number {
    return this.require().model.nVocab;
  }

  /** n > 1 forks a sequence, which needs native KV block copies. */
  get supportsParallelSampling(): boolean {
    return typeof (LlamaModel.prototype as unknown as Record<string, unknown>).copyBlocks === 'function';
  }

  stats(): EngineStats {
    return this.local ? this.local.engine.stats() : IDLE_STATS;
  }

  /**
   * Ends what is still running and frees the model. A forward may still be on a
   * native thread after the abort; the model refuses to close until it returns.
   */
  async close(): Promise<void> {
    const local = this.local;
    if (!local) return;
    local.engine.close(true);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        local.model.close();
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EBUSY' || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    this.local = undefined;
  }

  private require(): LocalEngine {
    if (!this.local) throw new WorkerBootError('the model is not loaded yet');
    return this.local;
  }
}
