import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import { Team, TeamLimits } from '../admin/team';
import { ApiError } from '../common/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { TokenBucketRepository } from './token-bucket.repository';
import { Release, WaitQueue } from './wait-queue';

/** A granted slot. `finish` frees it and charges the tokens the request used. */
export interface Admission {
  finish(tokensUsed: number): void;
}

type ResolvedLimits = Required<TeamLimits>;

/**
 * Admission control, in order: requests/min bucket, tokens/min bucket (must
 * not be in debt; actual usage is charged when the request ends), both in one
 * Redis round trip, then the per-team-and-model wait queue.
 */
@Injectable()
export class AdmissionService {
  private readonly queues = new Map<string, WaitQueue>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly buckets: TokenBucketRepository,
    private readonly clock: Clock,
  ) {}

  limitsOf(team: Pick<Team, 'limits'>): ResolvedLimits {
    return {
      requestsPerMinute: team.limits.requestsPerMinute ?? this.config.defaultRequestsPerMinute,
      tokensPerMinute: team.limits.tokensPerMinute ?? this.config.defaultTokensPerMinute,
      maxConcurrent: team.limits.maxConcurrent ?? this.config.defaultMaxConcurrent,
      maxWaiting: team.limits.maxWaiting ?? this.config.defaultMaxWaiting,
    };
  }

  async admit(team: Pick<Team, 'id' | 'limits'>, model: string, signal?: AbortSignal): Promise<Admission> {
    const limits = this.limitsOf(team);
    const now = this.clock.now();
    const tokenBucket = { key: `tessera:rl:${team.id}:tokens`, perMinute: limits.tokensPerMinute };
    const buckets = await this.buckets.admit({ key: `tessera:rl:${team.id}:requests`, perMinute: limits.requestsPerMinute }, tokenBucket, now);
    if (buckets.refusedBy === 'requests') {
      throw new ApiError(ErrorCode.RateLimited, `Rate limit reached: ${limits.requestsPerMinute} requests per minute for team '${team.id}'. Retry after the Retry-After delay.`, null, buckets.retryAfterMs / 1000);
    }
    if (buckets.refusedBy === 'tokens') {
      throw new ApiError(ErrorCode.RateLimited, `Rate limit reached: ${limits.tokensPerMinute} tokens per minute for team '${team.id}'. Retry after the Retry-After delay.`, null, buckets.retryAfterMs / 1000);
    }
    const release = await this.queueFor(team.id, model, limits).acquire(signal);
    return { finish: (tokensUsed) => this.finish(release, team.id, model, tokenBucket, tokensUsed) };
  }

  private finish(release: Release, teamId: string, model: string, bucket: { key: string; perMinute: number }, tokensUsed: number): void {
    release();
    const key = this.queueKey(teamId, model);
    if (this.queues.get(key)?.idle) this.queues.delete(key);
    if (tokensUsed > 0) {
      // Fire and forget: the response must not wait on accounting.
      this.buckets.take(bucket, 0, tokensUsed, this.clock.now()).catch(() => undefined);
    }
  }

  private queueKey(teamId: string, model: string): string {
    return `${teamId}\u0000${model}`;
  }

  private queueFor(teamId: string, model: string, limits: ResolvedLimits): WaitQueue {
    const key = this.queueKey(teamId, model);
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new WaitQueue(limits.maxConcurrent, limits.maxWaiting, this.config.queueWaitTimeoutMs);
      this.queues.set(key, queue);
    }
    return queue;
  }
}
