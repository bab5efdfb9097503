import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { ReplicaRecord, ReplicaRegistry } from './replica-record';

/** The timer stops reading after this long without a request (an idle gateway costs Redis nothing); the next request reads. */
export const REGISTRY_IDLE_MS = 10_000;

interface Snapshot {
  /** When the read that produced it started (the conservative age). */
  at: number;
  replicas: ReplicaRecord[];
}

/**
 * The registry as the gateway sees it: a snapshot in memory, read again from
 * Redis every registryCacheMs by a timer, so requests route without waiting
 * on the registry's three round trips. Load is corrected by our own in-flight
 * counts (see InFlightTracker) rather than by reading more often.
 *
 * Freshness: a change in the registry reaches routing within registryCacheMs
 * plus one read; a request never routes on a snapshot older than twice that
 * (it reads Redis itself then, e.g. while the timer's reads fail). A replica
 * whose heartbeat is older than replicaStaleMs is ignored whatever the
 * snapshot says (reads pause after REGISTRY_IDLE_MS without requests), and one that failed a call is ignored until it heartbeats
 * after the failure (see markFailed). registryCacheMs 0 reads Redis per request.
 */
@Injectable()
export class RegistryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Registry');
  private snapshot?: Snapshot;
  private reading?: Promise<ReplicaRecord[]>;
  private timer?: NodeJS.Timeout;
  private refreshFailing = false;
  private lastUsedAt = 0;
  /** Replica id → when a call to it failed; cleared by a heartbeat written after that. */
  private readonly failedAt = new Map<string, number>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly registry: ReplicaRegistry,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.registryCacheMs === 0) return;
    this.lastUsedAt = this.clock.now();
    this.timer = setInterval(() => {
      if (this.clock.now() - this.lastUsedAt <= REGISTRY_IDLE_MS) void this.refresh();
    }, this.config.registryCacheMs);
    // The timer must not keep a process alive that has nothing else to do.
    this.timer.unref();
    void this.refresh();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async all(): Promise<ReplicaRecord[]> {
    if (this.config.registryCacheMs === 0) {
      const replicas = await this.registry.list();
      this.forgetVanished(replicas);
      return replicas;
    }
    const now = this.clock.now();
    this.lastUsedAt = now;
    const snapshot = this.snapshot;
    if (snapshot && now - snapshot.at <= 2 * this.config.registryCacheMs) return snapshot.replicas;
    return this.read();
  }

  /** Registered replicas of `model` whose heartbeat is fresh (ready or not): the model is served. */
  async replicasOf(model: string): Promise<ReplicaRecord[]> {
    const now = this.clock.now();
    return (await this.all()).filter((r) => r.model === model && now - r.heartbeatAt <= this.config.replicaStaleMs);
  }

  /** replicasOf(model) less those that failed a call since their last heartbeat: where requests may go. */
  async routableReplicasOf(model: string): Promise<ReplicaRecord[]> {
    return (await this.replicasOf(model)).filter((r) => !this.failedSinceHeartbeat(r));
  }

  /**
   * A call to `replica` failed before any output (connection refused, reset,
   * the replica said it cannot serve): route around it until the registry shows
   * a heartbeat written after now. A crashed replica never writes one again; a
   * replica that had a blip is back at its next heartbeat.
   */
  markFailed(replica: Pick<ReplicaRecord, 'id'>): void {
    this.failedAt.set(replica.id, this.clock.now());
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

  private failedSinceHeartbeat(replica: ReplicaRecord): boolean {
    const failed = this.failedAt.get(replica.id);
    if (failed === undefined) return false;
    if (replica.heartbeatAt <= failed) return true;
    this.failedAt.delete(replica.id);
    return false;
  }

  /** The timer's read: failures are logged once per outage, requests see them through all(). */
  private async refresh(): Promise<void> {
    try {
      await this.read();
      if (this.refreshFailing) this.logger.log('registry reads work again');
      this.refreshFailing = false;
    } catch (err) {
      if (!this.refreshFailing) this.logger.warn(`cannot read the registry: ${(err as Error).message}; routing on the last snapshot for up to ${2 * this.config.registryCacheMs} ms`);
      this.refreshFailing = true;
    }
  }

  /** One read at a time; its result becomes the snapshot. */
  private read(): Promise<ReplicaRecord[]> {
    this.reading ??= (async () => {
      const at = this.clock.now();
      try {
        const replicas = await this.registry.list();
        this.snapshot = { at, replicas };
        this.forgetVanished(replicas);
        return replicas;
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  /** Failure marks of replicas no longer registered go (the map stays as small as the registry). */
  private forgetVanished(replicas: ReplicaRecord[]): void {
    if (this.failedAt.size === 0) return;
    const ids = new Set(replicas.map((r) => r.id));
    for (const id of this.failedAt.keys()) if (!ids.has(id)) this.failedAt.delete(id);
  }
}
