import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.tokens';
import { ADMISSION_BUCKETS_LUA, TOKEN_BUCKET_LUA } from './token-bucket.lua';

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

/**
 * Which bucket refused an admission, and when it would allow it; or, when
 * admitted, what both buckets held right after it.
 */
export type AdmissionBucketsResult =
  | { refusedBy: 'none'; requestsLeft: number; tokensLeft: number; requestsTaken: number }
  | { refusedBy: 'requests' | 'tokens'; retryAfterMs: number };

type BucketRedis = Redis & {
  tesseraTokenBucket(key: string, capacity: number, rate: number, need: number, cost: number, now: number): Promise<[number, string, number]>;
  tesseraAdmissionBuckets(requestsKey: string, tokensKey: string, ...args: number[]): Promise<[number, number, string?, string?, number?]>;
};

const REFUSED_BY = ['none', 'requests', 'tokens'] as const;

/** Per-minute token buckets in Redis, one atomic Lua call per operation. */
@Injectable()
export class TokenBucketRepository {
  private readonly redis: BucketRedis;

  constructor(@Inject(REDIS) redis: Redis) {
    if (!('tesseraTokenBucket' in redis)) redis.defineCommand('tesseraTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    if (!('tesseraAdmissionBuckets' in redis)) redis.defineCommand('tesseraAdmissionBuckets', { numberOfKeys: 2, lua: ADMISSION_BUCKETS_LUA });
    this.redis = redis as BucketRedis;
  }

  /** Takes `cost` if at least `need` is available. */
  async take(bucket: BucketSpec, need: number, cost: number, now: number): Promise<BucketResult> {
    const rate = bucket.perMinute / 60_000;
    const [allowed, level, wait] = await this.redis.tesseraTokenBucket(bucket.key, bucket.perMinute, rate, need, cost, now);
    return { allowed: allowed === 1, level: Number(level), retryAfterMs: Number(wait) };
  }

  /**
   * A request's admission in one round trip: take(requests, 1, 1), then, only
   * if allowed, take(tokens, 1, 0); the same effects as those two calls. When
   * admitted, up to `want` - 1 more requests are taken ahead (see ADMISSION_BUCKETS_LUA).
   */
  async admit(requests: BucketSpec, tokens: BucketSpec, now: number, want = 1): Promise<AdmissionBucketsResult> {
    const [refused, wait, requestsLeft, tokensLeft, requestsTaken] = await this.redis.tesseraAdmissionBuckets(
      requests.key,
      tokens.key,
      requests.perMinute,
      requests.perMinute / 60_000,
      tokens.perMinute,
      tokens.perMinute / 60_000,
      now,
      want,
    );
    const refusedBy = REFUSED_BY[refused];
    if (refusedBy !== 'none') return { refusedBy, retryAfterMs: Number(wait) };
    return { refusedBy, requestsLeft: Number(requestsLeft), tokensLeft: Number(tokensLeft), requestsTaken: Number(requestsTaken) };
  }
}
