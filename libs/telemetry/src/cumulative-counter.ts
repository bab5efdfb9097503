import type { Counter } from 'prom-client';

/**
 * Feeds a prom-client Counter from a value that some other component already
 * counts (the engine's preemption total, say): each sync adds only the growth
 * since the last one, so the series stays monotonic and `rate()` works.
 */
export class CumulativeCounter<L extends string> {
  private last = 0;

  constructor(
    private readonly counter: Counter<L>,
    private readonly labels: Partial<Record<L, string>>,
  ) {}

  sync(total: number): void {
    // A source that restarts from zero (a new engine) starts a new baseline.
    const delta = total >= this.last ? total - this.last : total;
    this.last = total;
    if (delta > 0) this.counter.inc(this.labels, delta);
  }
}
