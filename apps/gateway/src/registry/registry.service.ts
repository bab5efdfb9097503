import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { ReplicaRecord, ReplicaRegistry } from './replica-record';

/**
 * The registry as the gateway sees it: reads are shared for a short time so a
 * burst of requests costs one Redis scan, and load is corrected by our own
 * in-flight counts (see InFlightTracker) rather than by reading more often.
 */
@Injectable()
export class RegistryService {
  private cached?: { at: number; replicas: Promise<ReplicaRecord[]> };

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly registry: ReplicaRegistry,
    private readonly clock: Clock,
  ) {}

  async all(): Promise<ReplicaRecord[]> {
    const now = this.clock.now();
    if (!this.cached || now - this.cached.at > this.config.registryCacheMs) {
      const replicas = this.registry.list();
      this.cached = { at: now, replicas };
      replicas.catch(() => {
        if (this.cached?.replicas === replicas) this.cached = undefined;
      });
    }
    return this.cached.replicas;
  }

  /** Registered replicas of `model` whose heartbeat is fresh (ready or not). */
  async replicasOf(model: string): Promise<ReplicaRecord[]> {
    const now = this.clock.now();
    return (await this.all()).filter((r) => r.model === model && now - r.heartbeatAt <= this.config.replicaStaleMs);
  }

  /** Models with at least one fresh replica, with the earliest start time and a context length. */
  async models(): Promise<Map<string, { startedAt: number; maxModelLen?: number }>> {
    const now = this.clock.now();
    const models = new Map<string, { startedAt: number; maxModelLen?: number }>();
    for (const r of await this.all()) {
      if (now - r.heartbeatAt > this.config.replicaStaleMs) continue;
      const entry = models.get(r.model) ?? { startedAt: r.startedAt ?? r.heartbeatAt, maxModelLen: r.maxModelLen };
      entry.startedAt = Math.min(entry.startedAt, r.startedAt ?? r.heartbeatAt);
      entry.maxModelLen ??= r.maxModelLen;
      models.set(r.model, entry);
    }
    return models;
  }
}
