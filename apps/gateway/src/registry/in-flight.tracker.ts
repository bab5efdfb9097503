import { Injectable } from '@nestjs/common';

/** Requests this gateway has on each replica right now (the registry's load lags). */
@Injectable()
export class InFlightTracker {
  private readonly counts = new Map<string, number>();

  get view(): ReadonlyMap<string, number> {
    return this.counts;
  }

  /** Counts one request on `replicaId`; the returned function uncounts it (once). */
  start(replicaId: string): () => void {
    this.counts.set(replicaId, (this.counts.get(replicaId) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.counts.get(replicaId) ?? 1) - 1;
      if (left <= 0) this.counts.delete(replicaId);
      else this.counts.set(replicaId, left);
    };
  }
}
