import type { HealthCheck } from '@tessera/telemetry';

/**
 * Liveness of the engine loop: alive unless work has been queued for longer than
 * `stallMs` without a single engine step finishing. A stuck native call or a dead
 * loop then fails the probe and the orchestrator restarts the process.
 */
export class ProgressWatchdog {
  /** When we first saw work queued since the engine was last idle. */
  private busySince: number | undefined;

  constructor(private readonly stallMs: number) {}

  /** `lastStepAt` and `now` share one clock (performance.now()). */
  check(hasWork: boolean, lastStepAt: number, now: number): HealthCheck {
    if (!hasWork) {
      this.busySince = undefined;
      return { ok: true };
    }
    this.busySince ??= now;
    // An idle engine's last step is old news: count from when the work showed up.
    const sinceProgress = now - Math.max(this.busySince, lastStepAt);
    if (sinceProgress <= this.stallMs) return { ok: true };
    return { ok: false, reason: `the engine has made no step for ${Math.round(sinceProgress)} ms with requests queued` };
  }
}
