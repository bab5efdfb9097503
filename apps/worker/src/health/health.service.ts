import { Injectable } from '@nestjs/common';
import type { HealthCheck } from '@tessera/telemetry';
import { WorkerConfig } from '../config/worker-config';
import { EngineHost } from '../engine/engine-host.service';
import { ProgressWatchdog } from '../engine/progress-watchdog';

/**
 * Liveness: the engine loop makes progress whenever work is queued.
 * Readiness: the model is loaded, a warm-up step succeeded, the loop is alive and
 * the worker is not draining.
 */
@Injectable()
export class HealthService {
  private readonly watchdog: ProgressWatchdog;
  draining = false;

  constructor(
    config: WorkerConfig,
    private readonly host: EngineHost,
  ) {
    this.watchdog = new ProgressWatchdog(config.stallTimeoutMs);
  }

  live(): HealthCheck {
    if (!this.host.loaded) return { ok: true };
    const engine = this.host.engine;
    return this.watchdog.check(engine.hasWork, engine.lastStepAt, performance.now());
  }

  ready(): HealthCheck {
    if (this.draining) return { ok: false, reason: 'draining: the worker is shutting down' };
    if (!this.host.warmedUp) return { ok: false, reason: 'loading the model' };
    return this.live();
  }
}
