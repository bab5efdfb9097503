import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.tokens';
import { ReplicaRecord, ReplicaRegistry } from './replica-record';
import { parseReplicaRecord, REPLICA_KEY_PREFIX } from './registry-schema';

/** Lists registered replicas with SCAN + MGET (no KEYS: it blocks Redis). */
@Injectable()
export class RedisReplicaRegistry extends ReplicaRegistry {
  constructor(@Inject(REDIS) private readonly redis: Redis) {
    super();
  }

  async list(): Promise<ReplicaRecord[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${REPLICA_KEY_PREFIX}*`, 'COUNT', 500);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.redis.mget(keys);
    return values.flatMap((json) => {
      const record = json === null ? undefined : parseReplicaRecord(json);
      return record ? [record] : [];
    });
  }
}
