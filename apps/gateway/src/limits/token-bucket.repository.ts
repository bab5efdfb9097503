import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.tokens';
import { TOKEN_BUCKET_LUA } from './token-bucket.lua';

export interface BucketSpec {
  key: string;
  /** Tokens the bucket holds when full; refilled over one minute. */
  perMinute: number;
}

export interface BucketResult {
  allowed: boolean;
  level: number;
  /** When not allowed: milliseconds until the request would be. */
  retryAfterMs: number;
}

type BucketRedis = Redis & {
  tesseraTokenBucket(key: string, capacity: number, rate: number, need: number, cost: number, now: number): Promise<[number, string, number]>;
};

/** Per-minute token buckets in Redis, one atomic Lua call per operation. */
@Injectable()
export class TokenBucketRepository {
  private readonly redis: BucketRedis;

  constructor(@Inject(REDIS) redis: Redis) {
    if (!('tesseraTokenBucket' in redis)) redis.defineCommand('tesseraTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    this.redis = redis as BucketRedis;
  }

  /** Takes `cost` if at least `need` is available. */
  async take(bucket: BucketSpec, need: number, cost: number, now: number): Promise<BucketResult> {
    const rate = bucket.perMinute / 60_000;
    const [allowed, level, wait] = await this.redis.tesseraTokenBucket(bucket.key, bucket.perMinute, rate, need, cost, now);
    return { allowed: allowed === 1, level: Number(level), retryAfterMs: Number(wait) };
  }
}
