import { Inject, Injectable, Logger } from '@nestjs/common';
import { modelsKey, modelWorkersKey, parseWorkerRecord, WorkerRecord, workerKey } from '@tessera/contracts';
import Redis from 'ioredis';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { REDIS } from '../redis/redis.tokens';
import { ReplicaRecord, ReplicaRegistry } from './replica-record';

/** A draining worker finishes its requests but takes no new ones. */
export function toReplicaRecord(worker: WorkerRecord): ReplicaRecord {
  return {
    id: worker.id,
    address: worker.address,
    model: worker.model,
    ready: worker.ready && !worker.draining,
    running: worker.running,
    waiting: worker.waiting,
    kvUsage: worker.kvUsage,
    heartbeatAt: worker.heartbeatAt,
    maxModelLen: worker.maxModelLen,
    startedAt: worker.startedAt,
  };
}

/**
 * Reads the registry as libs/contracts defines it: live models from the
 * `models` ZSET, their live worker ids from `workers:{model}`, then one MGET.
 */
@Injectable()
export class RedisReplicaRegistry extends ReplicaRegistry {
  private readonly logger = new Logger('Registry');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  async list(): Promise<ReplicaRecord[]> {
    const prefix = this.config.registryPrefix;
    const now = this.clock.now();
    const models = await this.redis.zrangebyscore(modelsKey(prefix), now, '+inf');
    if (models.length === 0) return [];
    const read = this.redis.pipeline();
    for (const model of models) read.zrangebyscore(modelWorkersKey(model, prefix), now, '+inf');
    const ids = new Set<string>();
    for (const [err, members] of (await read.exec()) ?? []) if (!err) for (const id of members as string[]) ids.add(id);
    if (ids.size === 0) return [];
    const values = await this.redis.mget([...ids].map((id) => workerKey(id, prefix)));
    return values.flatMap((json) => {
      if (json === null) return [];
      try {
        return [toReplicaRecord(parseWorkerRecord(json))];
      } catch (err) {
        // A bad record must not break routing for everyone else.
        this.logger.warn(`ignoring a registry record: ${(err as Error).message}`);
        return [];
      }
    });
  }
}
