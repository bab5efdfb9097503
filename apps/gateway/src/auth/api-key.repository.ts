import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { Clock } from '../redis/clock';
import { REDIS } from '../redis/redis.tokens';
import { ReadThroughCache } from '../common/read-through-cache';
import { ApiKeyRecord } from './api-key.record';

/**
 * How long the request path may reuse a key record it read (counted from the
 * start of that read). Every authenticated request would otherwise cost a Redis
 * round trip; a revoke or role change made through another gateway replica
 * takes effect within this time (through this one, at once: writes drop the entry).
 */
export const KEY_CACHE_MS = 5_000;
/** A key in use is read again in the background from this age on, so requests do not wait for the refresh. */
export const KEY_REFRESH_AFTER_MS = 4_000;
/** Bound on cached keys, so a flood of distinct valid keys cannot grow memory without limit. */
const KEY_CACHE_MAX = 10_000;

/** Redis layout: record by key hash (the lookup), and an id → hash index (listing, revoking). */
const byHash = (hash: string) => `tessera:apikey:${hash}`;
const INDEX = 'tessera:apikeys';

@Injectable()
export class ApiKeyRepository {
  private readonly cache: ReadThroughCache<ApiKeyRecord>;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    clock: Clock,
  ) {
    this.cache = new ReadThroughCache(clock, { maxAgeMs: KEY_CACHE_MS, refreshAfterMs: KEY_REFRESH_AFTER_MS, maxEntries: KEY_CACHE_MAX }, (hash) => this.findByHash(hash));
  }

  /** findByHash for authentication: found records are reused up to KEY_CACHE_MS; unknown keys always ask Redis. */
  lookup(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.cache.get(hash);
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const json = await this.redis.get(byHash(hash));
    return json ? (JSON.parse(json) as ApiKeyRecord) : undefined;
  }

  async hashOf(id: string): Promise<string | undefined> {
    return (await this.redis.hget(INDEX, id)) ?? undefined;
  }

  async save(hash: string, record: ApiKeyRecord): Promise<void> {
    this.forget(hash);
    await this.redis.multi().set(byHash(hash), JSON.stringify(record)).hset(INDEX, record.id, hash).exec();
    this.forget(hash);
  }

  async remove(id: string, hash: string): Promise<void> {
    this.forget(hash);
    await this.redis.multi().del(byHash(hash)).hdel(INDEX, id).exec();
    this.forget(hash);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const hashes = Object.values(await this.redis.hgetall(INDEX));
    if (hashes.length === 0) return [];
    const values = await this.redis.mget(hashes.map(byHash));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as ApiKeyRecord);
  }

  /** Called before and after each write, so no read that overlaps it is cached. */
  private forget(hash: string): void {
    this.cache.invalidate(hash);
  }
}
