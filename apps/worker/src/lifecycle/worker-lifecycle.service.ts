import { Injectable, Logger } from '@nestjs/common';
import { WorkerConfig } from '../config/worker-config';
import { EngineHost } from '../engine/engine-host.service';
import { GrpcServer } from '../grpc/grpc-server.service';
import { HealthService } from '../health/health.service';
import { InferenceService } from '../inference/inference.service';
import { READY_MARKER } from './ready-marker';
import { RegistryService } from '../registry/registry.service';
import { WorkerTelemetry } from '../telemetry/worker-telemetry.service';


/** Boot and shutdown, step by step and in order. */
@Injectable()
export class WorkerLifecycle {
  private readonly logger = new Logger(WorkerLifecycle.name);
  private draining: Promise<void> | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly host: EngineHost,
    private readonly health: HealthService,
    private readonly telemetry: WorkerTelemetry,
    private readonly registry: RegistryService,
    private readonly grpc: GrpcServer,
    private readonly inference: InferenceService,
  ) {}

  /** Probes first (they report "loading"), Redis next (fail fast), then the model, the port, the registry. */
  async start(): Promise<void> {
    const startedAt = Date.now();
    await this.telemetry.start();
    await this.registry.connect();
    await this.host.load();
    await this.grpc.start();
    const c = this.config;
    const address = c.address(this.grpc.port);
    await this.registry.start({
      id: c.workerId,
      address,
      model: c.modelName,
      maxModelLen: this.host.maxModelLen,
      maxSeqs: c.maxSeqs,
      kvBlocks: this.host.kvBlocks,
      blockSize: c.blockSize,
      startedAt,
      metricsPort: this.telemetry.port,
    });
    const ready = { id: c.workerId, address, model: c.modelName, metricsPort: this.telemetry.port, pid: process.pid };
    process.stdout.write(`${READY_MARKER}${JSON.stringify(ready)}\n`);
  }

  /**
   * SIGTERM: take no new work (the registry says so at once), let in-flight
   * requests finish for up to DRAIN_TIMEOUT_MS, abort the rest, then leave the
   * registry and release everything. Safe to call more than once.
   */
  drain(): Promise<void> {
    this.draining ??= this.runDrain();
    return this.draining;
  }

  private async runDrain(): Promise<void> {
    const c = this.config;
    this.health.draining = true;
    this.logger.log(`draining: ${this.inference.activeRequests} request(s) in flight, up to ${c.drainTimeoutMs} ms`);
    await this.registry.publish().catch((err: Error) => this.logger.warn(`could not publish the draining state: ${err.message}`));
    const finished = await this.inference.waitIdle(c.drainTimeoutMs);
    if (!finished) this.logger.warn(`drain timeout: aborting ${this.inference.activeRequests} request(s) still running`);
    await this.host.close();
    // Aborted streams have their final events queued; give them a moment to flush.
    await this.grpc.stop(2000);
    await this.registry.stop();
    await this.telemetry.stop();
    this.logger.log('drained; exiting');
  }
}
