import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import type { TokenEvent } from '@tessera/engine';
import { WorkerConfig } from '../config/worker-config';
import { EngineHost } from '../engine/engine-host.service';
import { HealthService } from '../health/health.service';
import { WorkerTelemetry } from '../telemetry/worker-telemetry.service';
import { toErrorEvent } from './error-mapper';
import { EventMapper } from './event-mapper';
import type { GenerateEventMessage, GenerateRequestMessage, TokenizeRequestMessage } from './inference-messages';
import { checkContextLength } from './context-length';
import { buildPrompt, type BuiltPrompt } from './prompt-builder';
import { RequestError, RpcError } from './request-error';
import { toEngineParams } from './sampling-params.mapper';

/** The Inference service's logic, free of gRPC: the transport only moves messages. */
@Injectable()
export class InferenceService {
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private mapper: EventMapper | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly host: EngineHost,
    private readonly health: HealthService,
    private readonly telemetry: WorkerTelemetry,
  ) {}

  /** Generate calls that have started and not yet ended. */
  get activeRequests(): number {
    return this.inFlight;
  }

  /**
   * Streams Started, Token… and Finished events, or one Error event for a bad
   * request. Aborting `signal` (the client went away) aborts the engine request.
   * Throws RpcError(UNAVAILABLE) when this replica takes no new work.
   */
  async *generate(req: GenerateRequestMessage, signal: AbortSignal): AsyncGenerator<GenerateEventMessage> {
    this.assertAccepting();
    const id = req.requestId || randomUUID();
    const engine = this.host.engine;
    let prompt: BuiltPrompt | undefined;
    let events: AsyncIterable<TokenEvent>;
    try {
      prompt = buildPrompt(this.host.tokenizer, req);
      const params = toEngineParams(req.params);
      checkContextLength(prompt.tokens.length, params.maxTokens ?? 0, this.host.maxModelLen, prompt.param);
      if ((params.n ?? 1) > 1 && !this.host.supportsParallelSampling) {
        throw new RequestError(ErrorCode.InvalidRequest, 'n > 1 is not available on this worker: its native runtime cannot copy KV blocks; use n = 1', 'n');
      }
      events = engine.generate({ id, promptTokens: prompt.tokens, params, priority: req.priority });
    } catch (err) {
      yield { error: toErrorEvent(err, prompt?.param ?? 'prompt') };
      return;
    }

    this.inFlight++;
    const abort = () => engine.abort(id);
    signal.addEventListener('abort', abort, { once: true });
    if (signal.aborted) abort();
    try {
      yield { started: { promptTokens: prompt.tokens.length, cachedTokens: 0 } };
      const mapper = this.eventMapper();
      for await (const event of events) {
        if (event.tokenId !== null) {
          yield { token: mapper.token(event) };
          continue;
        }
        if (event.metrics) this.telemetry.recordCompletion(event.index, event.finishReason ?? 'error', event.metrics);
        yield { finished: mapper.finished(event) };
      }
    } finally {
      // Also reached when the consumer stops early: nothing keeps running unseen.
      signal.removeEventListener('abort', abort);
      engine.abort(id);
      this.requestEnded();
    }
  }

  abort(requestId: string): boolean {
    this.assertLoaded();
    return this.host.engine.abort(requestId);
  }

  tokenize(req: TokenizeRequestMessage): { tokens: number[]; count: number; maxModelLen: number } {
    this.assertLoaded();
    try {
      const { tokens } = buildPrompt(this.host.tokenizer, req);
      return { tokens, count: tokens.length, maxModelLen: this.host.maxModelLen };
    } catch (err) {
      if (err instanceof RequestError) throw new RpcError(status.INVALID_ARGUMENT, err.message);
      throw err;
    }
  }

  detokenize(tokens: number[]): { text: string } {
    this.assertLoaded();
    const vocab = this.host.vocabSize;
    const bad = tokens.find((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
    if (bad !== undefined) throw new RpcError(status.INVALID_ARGUMENT, `token id ${bad} is outside the vocabulary [0, ${vocab})`);
    return { text: this.host.tokenizer.decode(tokens) };
  }

  healthReport(): { live: boolean; ready: boolean; model: string; reason: string } {
    const live = this.health.live();
    const ready = this.health.ready();
    return { live: live.ok, ready: ready.ok, model: this.config.modelName, reason: (live.ok ? ready.reason : live.reason) ?? '' };
  }

  stats() {
    const s = this.host.stats();
    return {
      model: this.config.modelName,
      running: s.running,
      waiting: s.waiting,
      kvUsage: s.kvUsage,
      numPreemptions: s.numPreemptions,
      prefixQueries: s.prefixQueriedTokens,
      prefixHits: s.prefixHitTokens,
      maxModelLen: this.host.loaded ? this.host.maxModelLen : 0,
      vocabSize: this.host.loaded ? this.host.vocabSize : 0,
    };
  }

  /** Resolves true once no Generate call is active, false if `timeoutMs` passes first. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private requestEnded(): void {
    this.inFlight--;
    if (this.inFlight > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private assertAccepting(): void {
    if (this.health.draining) throw new RpcError(status.UNAVAILABLE, 'this worker is draining for shutdown; retry on another replica');
    if (!this.host.warmedUp) throw new RpcError(status.UNAVAILABLE, 'this worker is still loading its model; retry on another replica');
  }

  private assertLoaded(): void {
    if (!this.host.loaded) throw new RpcError(status.UNAVAILABLE, 'this worker has no model loaded');
  }

  private eventMapper(): EventMapper {
    this.mapper ??= new EventMapper(this.host.tokenizer);
    return this.mapper;
  }
}
