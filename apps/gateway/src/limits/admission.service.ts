import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import { Team, TeamLimits } from '../admin/team';
import { ApiError } from '../common/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { BucketSpec, TokenBucketRepository } from './token-bucket.repository';
import { Release, WaitQueue } from './wait-queue';

/** A granted slot. `finish` frees it and charges the tokens the request used. */
export interface Admission {
  finish(tokensUsed: number): void;
}

type ResolvedLimits = Required<TeamLimits>;

/**
 * How long a finished request's token charge may wait before it is sent on its
 * own. Until then it rides along with the next admission, in the same Redis
 * write and ahead of it, so this gateway never admits past a debt it knows of;
 * other gateway replicas see the charge at most this much later.
 */
export const DEBIT_FLUSH_MS = 20;

/**
 * Admission control, in order: requests/min bucket, tokens/min bucket (must
 * not be in debt; actual usage is charged when the request ends), both in one
 * Redis round trip, then the per-team-and-model wait queue.
 */
@Injectable()
export class AdmissionService implements BeforeApplicationShutdown {
  private readonly queues = new Map<string, WaitQueue>();
  /** Token charges not yet sent, by bucket key (summed: the bucket's floor makes that equal to one by one). */
  private readonly debits = new Map<string, { bucket: BucketSpec; tokens: number }>();
  private debitTimer?: NodeJS.Timeout;

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
    // Issued in the same tick as the admission: one auto-pipelined write, charges first.
    void this.flushDebits();
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
    // The response must not wait on accounting.
    if (tokensUsed > 0) this.queueDebit(bucket, tokensUsed);
  }

  /** Sends the token charges still held (also at shutdown, before Redis closes). */
  flushDebits(): Promise<void> {
    clearTimeout(this.debitTimer);
    this.debitTimer = undefined;
    if (this.debits.size === 0) return Promise.resolve();
    const now = this.clock.now();
    const sent = [...this.debits.values()].map(({ bucket, tokens }) => this.buckets.take(bucket, 0, tokens, now).catch(() => undefined));
    this.debits.clear();
    return Promise.all(sent).then(() => undefined);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flushDebits();
  }

  private queueDebit(bucket: BucketSpec, tokens: number): void {
    const pending = this.debits.get(bucket.key);
    if (pending) {
      pending.tokens += tokens;
      pending.bucket = bucket;
    } else {
      this.debits.set(bucket.key, { bucket, tokens });
    }
    this.debitTimer ??= setTimeout(() => void this.flushDebits(), DEBIT_FLUSH_MS);
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
