import { InferenceTestClient } from '../../../worker/src/test-utils/inference-client';
import { freePort } from '@tessera/testing';
import { startWorker, type ReadyLine, type WorkerProcess } from '../../../worker/src/test-utils/worker-process';

export interface RealWorkerOptions {
  id: string;
  model: string;
  modelPath: string;
  redisUrl: string;
  /** Extra worker environment (heartbeat, TTL, KV sizing...). */
  env?: Record<string, string>;
}

/** The worker's Stats RPC, as proto-loader decodes it. */
export interface WorkerStats {
  model: string;
  running: number;
  waiting: number;
  kvUsage: number;
  maxModelLen: number;
  vocabSize: number;
}

/**
 * A compiled worker (`apps/worker/dist/main.js`) in its own process, plus a gRPC
 * client of its own for Tokenize/Stats and a reader of its /metrics: what a test
 * needs to check what the gateway did to it.
 */
export class RealWorker {
  private constructor(
    readonly id: string,
    readonly process: WorkerProcess,
    readonly ready: ReadyLine,
    readonly grpc: InferenceTestClient,
  ) {}

  static async start(options: RealWorkerOptions): Promise<RealWorker> {
    const metricsPort = await freePort();
    const { worker, ready } = await startWorker({
      TESSERA_MODEL: options.modelPath,
      TESSERA_MODEL_NAME: options.model,
      WORKER_ID: options.id,
      REDIS_URL: options.redisUrl,
      METRICS_PORT: String(metricsPort),
      ...options.env,
    });
    return new RealWorker(options.id, worker, ready, new InferenceTestClient(ready.address));
  }

  stats(): Promise<WorkerStats> {
    return this.grpc.call<WorkerStats>('Stats');
  }

  /** Token count of a prompt exactly as the worker builds it for Generate. */
  async tokenCount(request: { text: string; addSpecial: boolean } | { chat: { messages: { role: string; content: string }[]; addGenerationPrompt: boolean } }): Promise<number> {
    return (await this.grpc.call<{ count: number }>('Tokenize', request)).count;
  }

  /** Sum of the samples of one Prometheus series whose labels include `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.ready.metricsPort}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? ([-+\d.eE]+|NaN)$/.exec(line);
      if (!match || match[1] !== name) continue;
      const found = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(match[4]);
    }
    return sum;
  }

  get alive(): boolean {
    return this.process.proc.exitCode === null && this.process.proc.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  /** Kills the process (if still running) and waits for it to exit. */
  async stop(): Promise<void> {
    this.grpc.close();
    if (this.alive) {
      this.kill('SIGCONT');
      this.kill('SIGKILL');
    }
    await this.process.exited;
  }
}
