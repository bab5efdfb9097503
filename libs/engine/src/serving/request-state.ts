import type { Sequence } from '../core/sequence';
import { EventQueue } from './event-queue';
import type { SampledToken, StreamingDetokenizer } from './executor';
import type { SamplingParams } from './sampling-params';
import { StopChecker } from './stop-checker';

export type FinishReason = 'stop' | 'length' | 'abort' | 'error';

export interface RequestMetrics {
  numPromptTokens: number;
  numCachedTokens: number;
  numOutputTokens: number;
  numPreemptions: number;
  /** Arrival until first scheduled. */
  queueTimeMs: number;
  /** Arrival until the first token. */
  timeToFirstTokenMs: number;
  /** Mean time between output tokens after the first. */
  timePerOutputTokenMs: number;
  e2eLatencyMs: number;
}

/** One streamed event: a token of completion `index`, or its end (`finishReason`). */
export interface TokenEvent {
  requestId: string;
  index: number;
  tokenId: number | null;
  text: string;
  logprob?: number;
  top?: [number, number][];
  finishReason?: FinishReason;
  error?: string;
  metrics?: RequestMetrics;
}

/** Per-completion streaming state: detokenizer, stop strings, timing. */
export class CompletionState {
  readonly stop: StopChecker;
  finished = false;
  firstTokenAt = 0;
  lastTokenAt = 0;

  constructor(
    readonly index: number,
    public seq: Sequence,
    readonly detok: StreamingDetokenizer,
    stops: readonly string[],
  ) {
    this.stop = new StopChecker(stops);
  }
}

/** Everything the engine tracks for one request, all its completions included. */
export class RequestState {
  readonly events = new EventQueue<TokenEvent>();
  readonly completions: CompletionState[] = [];
  readonly arrivalAt = performance.now();
  scheduledAt = 0;
  /** Parallel samples not yet forked from completion 0 (they fork after the prompt). */
  pendingForks: number;
  aborted = false;

  constructor(
    readonly id: string,
    readonly params: SamplingParams,
    readonly seed: number,
    readonly numPromptTokens: number,
  ) {
    this.pendingForks = params.n - 1;
  }

  get done(): boolean {
    return this.pendingForks === 0 && this.completions.every((c) => c.finished);
  }

  /** Seed of one draw: distinct per completion and step, reproducible per request seed. */
  drawSeed(index: number, step: number): number {
    let h = Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35) ^ Math.imul(step + 1, 0x27d4eb2f);
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    return (h ^ (h >>> 15)) >>> 0;
  }

  metrics(c: CompletionState): RequestMetrics {
    const now = performance.now();
    const n = c.seq.numOutputTokens;
    return {
      numPromptTokens: this.numPromptTokens,
      numCachedTokens: c.seq.numCachedTokens,
      numOutputTokens: n,
      numPreemptions: c.seq.numPreemptions,
      queueTimeMs: this.scheduledAt ? this.scheduledAt - this.arrivalAt : now - this.arrivalAt,
      timeToFirstTokenMs: c.firstTokenAt ? c.firstTokenAt - this.arrivalAt : 0,
      timePerOutputTokenMs: n > 1 ? (c.lastTokenAt - c.firstTokenAt) / (n - 1) : 0,
      e2eLatencyMs: now - this.arrivalAt,
    };
  }

  emitToken(c: CompletionState, sampled: SampledToken, text: string): void {
    this.events.push({ requestId: this.id, index: c.index, tokenId: sampled.tokenId, text, logprob: sampled.logprob, top: sampled.top });
  }

  emitFinish(c: CompletionState, reason: FinishReason, text = '', error?: string): void {
    c.finished = true;
    this.events.push({ requestId: this.id, index: c.index, tokenId: null, text, finishReason: reason, error, metrics: this.metrics(c) });
    if (this.done) this.events.end();
  }
}
