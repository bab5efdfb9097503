import { Injectable, Logger } from '@nestjs/common';
import type { RequestMetrics } from '@tessera/engine';
import { createMetricsRegistry, InferenceMetrics, startHealthServer, type HealthServer, type Registry } from '@tessera/telemetry';
import { WorkerConfig } from '../config/worker-config';
import { EngineHost } from '../engine/engine-host.service';
import { HealthService } from '../health/health.service';

/** The worker's Prometheus series and its /metrics /healthz /readyz server. */
@Injectable()
export class WorkerTelemetry {
  private readonly logger = new Logger(WorkerTelemetry.name);
  readonly registry: Registry;
  private readonly metrics: InferenceMetrics;
  private server: HealthServer | undefined;

  constructor(
    private readonly config: WorkerConfig,
    host: EngineHost,
    private readonly health: HealthService,
  ) {
    this.registry = createMetricsRegistry({ service: 'worker', labels: { worker: config.workerId } });
    this.metrics = new InferenceMetrics(this.registry, { model: config.modelName, load: () => host.stats() });
  }

  /** Port of the HTTP server, 0 when none runs. */
  get port(): number {
    return this.server?.port ?? 0;
  }

  /** Starts before the model loads, so probes can say "loading" instead of refusing. */
  async start(): Promise<void> {
    if (this.config.metricsPort === 0) return;
    this.server = await startHealthServer({
      port: this.config.metricsPort,
      host: this.config.host,
      registry: this.registry,
      live: () => this.health.live(),
      ready: () => this.health.ready(),
    });
    this.logger.log(`metrics and probes on http://${this.config.host}:${this.server.port}/metrics`);
  }

  /** One finished completion; the prompt counts once per request (completion 0). */
  recordCompletion(index: number, finishReason: string, m: RequestMetrics): void {
    this.metrics.recordCompletion({
      finishReason,
      promptTokens: index === 0 ? m.numPromptTokens : 0,
      outputTokens: m.numOutputTokens,
      queueTimeMs: m.queueTimeMs,
      timeToFirstTokenMs: m.timeToFirstTokenMs,
      timePerOutputTokenMs: m.timePerOutputTokenMs,
      e2eLatencyMs: m.e2eLatencyMs,
    });
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}
