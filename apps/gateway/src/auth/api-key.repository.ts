import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.tokens';
import { ApiKeyRecord } from './api-key.record';

/** Redis layout: record by key hash (the lookup), and an id → hash index (listing, revoking). */
const byHash = (hash: string) => `tessera:apikey:${hash}`;
const INDEX = 'tessera:apikeys';

@Injectable()
export class ApiKeyRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const json = await this.redis.get(byHash(hash));
    return json ? (JSON.parse(json) as ApiKeyRecord) : undefined;
  }

  async hashOf(id: string): Promise<string | undefined> {
    return (await this.redis.hget(INDEX, id)) ?? undefined;
  }

  async save(hash: string, record: ApiKeyRecord): Promise<void> {
    await this.redis.multi().set(byHash(hash), JSON.stringify(record)).hset(INDEX, record.id, hash).exec();
  }

  async remove(id: string, hash: string): Promise<void> {
    await this.redis.multi().del(byHash(hash)).hdel(INDEX, id).exec();
  }

  async list(): Promise<ApiKeyRecord[]> {
    const hashes = Object.values(await this.redis.hgetall(INDEX));
    if (hashes.length === 0) return [];
    const values = await this.redis.mget(hashes.map(byHash));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as ApiKeyRecord);
  }
}
