import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CumulativeCounter } from './cumulative-counter';
import { METRIC_NAMES as N } from './metric-names';

/** The engine's live load and running totals, read at every scrape. */
export interface EngineLoadSnapshot {
  running: number;
  waiting: number;
  /** Fraction of KV-cache blocks in use, [0, 1]. */
  kvUsage: number;
  numPreemptions: number;
  /** Prompt tokens looked up in the prefix cache, and how many were found. */
  prefixQueriedTokens: number;
  prefixHitTokens: number;
}

/** One finished completion, as the engine measured it. */
export interface CompletionRecord {
  finishReason: string;
  /** Count the prompt once per request: pass 0 for its second and later completions. */
  promptTokens: number;
  outputTokens: number;
  queueTimeMs: number;
  /** 0 when no token was produced (the histogram is skipped). */
  timeToFirstTokenMs: number;
  /** 0 when fewer than two tokens were produced (skipped). */
  timePerOutputTokenMs: number;
  e2eLatencyMs: number;
}

export interface InferenceMetricsOptions {
  /** Served model name; every series carries it as the `model` label. */
  model: string;
  /** Read at scrape time for the gauges and the engine-owned counters. */
  load?: () => EngineLoadSnapshot;
}

const TTFT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const TPOT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

type ModelLabel = 'model';

/** The serving metrics of one model replica (vLLM's set, under `tessera_` names). */
export class InferenceMetrics {
  private readonly ttft: Histogram<ModelLabel>;
  private readonly tpot: Histogram<ModelLabel>;
  private readonly e2e: Histogram<ModelLabel>;
  private readonly queue: Histogram<ModelLabel>;
  private readonly promptTokens: Counter<ModelLabel>;
  private readonly generationTokens: Counter<ModelLabel>;
  private readonly success: Counter<ModelLabel | 'finish_reason'>;
  private readonly labels: Record<ModelLabel, string>;

  constructor(registry: Registry, options: InferenceMetricsOptions) {
    const labels = { model: options.model };
    this.labels = labels;
    const registers = [registry];
    const labelNames = ['model'] as const;
    const histogram = (name: string, help: string, buckets: number[]) => new Histogram({ name, help, buckets, labelNames, registers });
    this.ttft = histogram(N.timeToFirstToken, 'Time from arrival to the first generated token.', TTFT_BUCKETS);
    this.tpot = histogram(N.timePerOutputToken, 'Mean time between generated tokens of a completion.', TPOT_BUCKETS);
    this.e2e = histogram(N.e2eLatency, 'Time from arrival to the end of a completion.', LATENCY_BUCKETS);
    this.queue = histogram(N.queueTime, 'Time a request waited before it was first scheduled.', LATENCY_BUCKETS);
    this.promptTokens = new Counter({ name: N.promptTokens, help: 'Prompt tokens processed.', labelNames, registers });
    this.generationTokens = new Counter({ name: N.generationTokens, help: 'Tokens generated.', labelNames, registers });
    this.success = new Counter({
      name: N.requestSuccess,
      help: 'Finished completions by finish reason (stop, length, abort, error).',
      labelNames: ['model', 'finish_reason'],
      registers,
    });
    if (options.load) this.registerLoad(registry, options.load);
  }

  recordCompletion(r: CompletionRecord): void {
    const l = this.labels;
    this.success.inc({ ...l, finish_reason: r.finishReason });
    if (r.promptTokens > 0) this.promptTokens.inc(l, r.promptTokens);
    if (r.outputTokens > 0) this.generationTokens.inc(l, r.outputTokens);
    this.queue.observe(l, r.queueTimeMs / 1000);
    this.e2e.observe(l, r.e2eLatencyMs / 1000);
    if (r.timeToFirstTokenMs > 0) this.ttft.observe(l, r.timeToFirstTokenMs / 1000);
    if (r.timePerOutputTokenMs > 0) this.tpot.observe(l, r.timePerOutputTokenMs / 1000);
  }

  /** Gauges and engine-owned totals are read from `load` when Prometheus scrapes. */
  private registerLoad(registry: Registry, load: () => EngineLoadSnapshot): void {
    const l = this.labels;
    const registers = [registry];
    const labelNames = ['model'] as const;
    const gauge = (name: string, help: string, pick: (s: EngineLoadSnapshot) => number) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.set(l, pick(load()));
        },
      });
    const counter = (name: string, help: string, pick: (s: EngineLoadSnapshot) => number) => {
      // Counter.collect runs at scrape time, after `source` exists.
      const source: CumulativeCounter<ModelLabel> = new CumulativeCounter(
        new Counter({
          name,
          help,
          labelNames,
          registers,
          collect() {
            source.sync(pick(load()));
          },
        }),
        l,
      );
    };
    gauge(N.requestsRunning, 'Requests in the running batch.', (s) => s.running);
    gauge(N.requestsWaiting, 'Requests queued for the batch.', (s) => s.waiting);
    gauge(N.kvCacheUsage, 'Fraction of KV-cache blocks in use (0 to 1).', (s) => s.kvUsage);
    counter(N.preemptions, 'Sequences preempted for lack of KV-cache blocks (recomputed later).', (s) => s.numPreemptions);
    counter(N.prefixCacheQueries, 'Prompt tokens looked up in the prefix cache.', (s) => s.prefixQueriedTokens);
    counter(N.prefixCacheHits, 'Prompt tokens found in the prefix cache.', (s) => s.prefixHitTokens);
  }
}
