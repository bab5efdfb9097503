import { Injectable, Logger } from '@nestjs/common';
import { modelsKey, modelWorkersKey, workerKey, type WorkerRecord } from '@tessera/contracts';
import Redis from 'ioredis';
import { WorkerConfig } from '../config/worker-config';
import { EngineHost } from '../engine/engine-host.service';
import { HealthService } from '../health/health.service';
import { buildWorkerRecord, type RecordFacts } from './worker-record';

export class RegistryUnavailableError extends Error {
  readonly code = 'EREDIS';
  constructor(message: string) {
    super(message);
    this.name = 'RegistryUnavailableError';
  }
}

/**
 * Announces this worker in Redis (schema: libs/contracts/src/registry.ts): one
 * heartbeat every WORKER_HEARTBEAT_MS rewrites the record with a TTL of
 * WORKER_TTL_MS, so a killed worker disappears within the TTL on its own.
 */
@Injectable()
export class RegistryService {
  private readonly logger = new Logger(RegistryService.name);
  private redis: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private facts: RecordFacts | undefined;
  private lastError = '';

  constructor(
    private readonly config: WorkerConfig,
    private readonly host: EngineHost,
    private readonly health: HealthService,
  ) {}

  get enabled(): boolean {
    return this.config.redisUrl !== undefined;
  }

  /** Fails at boot, with what to do, when Redis cannot be reached. */
  async connect(): Promise<void> {
    const url = this.config.redisUrl;
    if (!url) {
      this.logger.warn('REDIS_URL is not set: this worker runs standalone and no gateway will find it');
      return;
    }
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 });
    redis.on('error', (err: Error) => this.noteError(`Redis: ${err.message}`));
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw new RegistryUnavailableError(`cannot reach Redis at ${url}: ${(err as Error).message}; start Redis or fix REDIS_URL`);
    }
    this.redis = redis;
  }

  /** Writes the first record now and keeps it fresh. */
  async start(facts: RecordFacts): Promise<void> {
    this.facts = facts;
    if (!this.redis) return;
    await this.heartbeat();
    this.timer = setInterval(() => void this.heartbeat().catch((err: Error) => this.noteError(`heartbeat failed: ${err.message}`)), this.config.heartbeatMs);
    this.timer.unref();
  }

  /** Publishes the current state at once (used when draining starts). */
  async publish(): Promise<void> {
    if (this.redis && this.facts) await this.heartbeat();
  }

  /** Removes this worker's entries and closes the connection. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const redis = this.redis;
    this.redis = undefined;
    if (!redis) return;
    const { workerId, modelName, registryPrefix: prefix } = this.config;
    try {
      await redis.multi().del(workerKey(workerId, prefix)).zrem(modelWorkersKey(modelName, prefix), workerId).exec();
    } catch (err) {
      // The TTL removes the entry anyway; say so and carry on shutting down.
      this.logger.warn(`could not deregister (the entry expires within ${this.config.ttlMs} ms): ${(err as Error).message}`);
    }
    await redis.quit().catch(() => redis.disconnect());
  }

  private async heartbeat(): Promise<void> {
    const redis = this.redis;
    const facts = this.facts;
    if (!redis || !facts) return;
    const { ttlMs, registryPrefix: prefix } = this.config;
    const now = Date.now();
    const record: WorkerRecord = buildWorkerRecord(facts, this.host.stats(), { ready: this.health.ready().ok, draining: this.health.draining }, now, ttlMs);
    const index = modelWorkersKey(record.model, prefix);
    await redis
      .multi()
      .set(workerKey(record.id, prefix), JSON.stringify(record), 'PX', ttlMs)
      .zadd(index, record.expiresAt, record.id)
      .zremrangebyscore(index, '-inf', now)
      .zadd(modelsKey(prefix), 'GT', record.expiresAt, record.model)
      .zremrangebyscore(modelsKey(prefix), '-inf', now)
      .exec();
    if (this.lastError) this.logger.log('registry heartbeat recovered');
    this.lastError = '';
  }

  /** Logs a Redis problem once, not at every heartbeat. */
  private noteError(message: string): void {
    if (message !== this.lastError) this.logger.error(message);
    this.lastError = message;
  }
}
