import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import { Team, TeamLimits } from '../admin/team';
import { ApiError } from '../common/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { AdmissionBucketsResult, BucketSpec, TokenBucketRepository } from './token-bucket.repository';
import { Release, WaitQueue } from './wait-queue';

/** A granted slot. `finish` frees it and charges the tokens the request used. */
export interface Admission {
  /**
   * The rate limits' verdict: resolves once Redis admitted the request, rejects
   * with the 429 when it refused. A request admitted early (see HEADROOM_TRUST_MS)
   * may start its work before this settles but must not answer before it.
   */
  readonly confirmed: Promise<void>;
  /** True when granted before Redis answered (`confirmed` still pending then). */
  readonly early: boolean;
  finish(tokensUsed: number): void;
}

type ResolvedLimits = Required<TeamLimits>;

/**
 * How long a finished request's token charge may wait before it is sent on its
 * own. Until then it rides along with the next admission, in the same Redis
 * write and ahead of it, so this gateway never admits past a debt it knows of;
 * other gateway replicas see the charge at most this much later (against
 * per-minute buckets: 0.4% of the window). Long enough that under steady
 * traffic charges almost never cost a Redis round trip of their own.
 */
export const DEBIT_FLUSH_MS = 250;

/**
 * How long the bucket levels in Redis's last answer for a team are trusted to
 * start the team's next requests before their own answer arrives (the Redis
 * round trip then overlaps the worker's prefill instead of adding to it). Only
 * while that answer left more requests than this gateway has unanswered
 * admissions for the team, and more tokens than its charges not sent yet:
 * near a limit every request waits for Redis as before. A request Redis
 * refuses still gets its 429 and its worker call is cancelled; its cost is a
 * prefill cut short. Requests paid for ahead (PREPAID_SHARE) are usable for
 * this long after the answer that took them, too.
 */
export const HEADROOM_TRUST_MS = 1_000;

/**
 * Requests an admission takes from the requests bucket ahead, as a share of
 * the team's requests per minute (at most PREPAID_MAX, at least 1 = none
 * ahead). Those are taken in Redis like any other, so the per-minute limit
 * holds across gateway replicas; this gateway then admits that many later
 * requests of the team without a Redis round trip each, and tops the supply
 * up in the background when half is used. Ones not used within
 * HEADROOM_TRUST_MS are dropped: the team loses at most this share of a
 * minute's requests, never exceeds it.
 */
export const PREPAID_SHARE = 1 / 50;
export const PREPAID_MAX = 16;
/** Bound on remembered team headroom entries (memory stays bounded whatever the number of teams). */
const HEADROOM_MAX = 10_000;

interface Headroom {
  at: number;
  requestsLeft: number;
  tokensLeft: number;
  /** Admissions sent to Redis and not answered yet. */
  unanswered: number;
  /** Requests taken in Redis ahead and not used yet (valid while `at` is within HEADROOM_TRUST_MS). */
  prepaid: number;
  /** A background top-up of `prepaid` is under way. */
  toppingUp: boolean;
}

/**
 * Admission control, in order: requests/min bucket, tokens/min bucket (must
 * not be in debt; actual usage is charged when the request ends), both in one
 * Redis round trip, then the per-team-and-model wait queue. With headroom
 * known (HEADROOM_TRUST_MS) and a free slot, the slot is granted at once and
 * the Redis verdict arrives through `Admission.confirmed`.
 */
@Injectable()
export class AdmissionService implements BeforeApplicationShutdown {
  private readonly queues = new Map<string, WaitQueue>();
  /** Token charges not yet sent, by bucket key (summed: the bucket's floor makes that equal to one by one). */
  private readonly debits = new Map<string, { bucket: BucketSpec; tokens: number; teamId: string }>();
  private debitTimer?: NodeJS.Timeout;
  /** Per team: what Redis's last admission answer left, and admissions still unanswered. */
  private readonly headroom = new Map<string, Headroom>();

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
    const tokenBucket = { key: this.tokenBucketKey(team.id), perMinute: limits.tokensPerMinute };
    const paid = !signal?.aborted && this.hasPrepaid(team.id, now) ? this.queueFor(team.id, model, limits).tryAcquire() : undefined;
    if (paid) {
      const entry = this.headroomOf(team.id);
      entry.prepaid--;
      this.topUp(team.id, limits, tokenBucket, now);
      return this.granted(paid, team.id, model, tokenBucket, Promise.resolve(), false);
    }
    const early = !signal?.aborted && this.hasHeadroom(team.id, now) ? this.queueFor(team.id, model, limits).tryAcquire() : undefined;
    // Issued in the same tick as the admission: one auto-pipelined write, charges first.
    void this.flushDebits();
    const verdict = this.askBuckets(team.id, limits, tokenBucket, now);
    if (early) {
      verdict.catch(() => undefined); // awaited through `confirmed`; a refusal must not go unhandled meanwhile
      return this.granted(early, team.id, model, tokenBucket, verdict, true);
    }
    await verdict;
    const release = await this.queueFor(team.id, model, limits).acquire(signal);
    return this.granted(release, team.id, model, tokenBucket, Promise.resolve(), false);
  }

  private granted(release: Release, teamId: string, model: string, bucket: BucketSpec, confirmed: Promise<void>, early: boolean): Admission {
    let finished = false;
    return {
      confirmed,
      early,
      finish: (tokensUsed) => {
        if (finished) return;
        finished = true;
        this.finish(release, teamId, model, bucket, tokensUsed);
      },
    };
  }

  /**
   * Both buckets in one Redis call; rejects with the 429 when one refuses.
   * Records the headroom left, and the requests taken beyond the one asked
   * for (all of them for a top-up, `forRequest` false) as prepaid.
   */
  private async askBuckets(teamId: string, limits: ResolvedLimits, tokenBucket: BucketSpec, now: number, forRequest = true): Promise<void> {
    const entry = this.headroomOf(teamId);
    entry.unanswered++;
    let buckets: AdmissionBucketsResult;
    try {
      const requestsBucket = { key: `tessera:rl:${teamId}:requests`, perMinute: limits.requestsPerMinute };
      buckets = await this.buckets.admit(requestsBucket, tokenBucket, now, this.prepaidWant(limits));
    } catch (err) {
      entry.unanswered--;
      entry.requestsLeft = 0; // unknown again: the next request waits for Redis
      throw err;
    }
    entry.unanswered--;
    if (now - entry.at > HEADROOM_TRUST_MS) entry.prepaid = 0; // the old supply expired
    entry.at = now;
    entry.requestsLeft = buckets.refusedBy === 'none' ? buckets.requestsLeft : 0;
    entry.tokensLeft = buckets.refusedBy === 'none' ? buckets.tokensLeft : 0;
    if (buckets.refusedBy === 'none') entry.prepaid += buckets.requestsTaken - (forRequest ? 1 : 0);
    if (buckets.refusedBy === 'requests') {
      throw new ApiError(ErrorCode.RateLimited, `Rate limit reached: ${limits.requestsPerMinute} requests per minute for team '${teamId}'. Retry after the Retry-After delay.`, null, buckets.retryAfterMs / 1000);
    }
    if (buckets.refusedBy === 'tokens') {
      throw new ApiError(ErrorCode.RateLimited, `Rate limit reached: ${limits.tokensPerMinute} tokens per minute for team '${teamId}'. Retry after the Retry-After delay.`, null, buckets.retryAfterMs / 1000);
    }
  }

  /** Requests one admission takes (1 = none ahead). */
  private prepaidWant(limits: ResolvedLimits): number {
    return Math.max(1, Math.min(PREPAID_MAX, Math.floor(limits.requestsPerMinute * PREPAID_SHARE)));
  }

  /** True when a request taken ahead is left, recently enough, and the tokens bucket is not known to be spent. */
  private hasPrepaid(teamId: string, now: number): boolean {
    const entry = this.headroom.get(teamId);
    if (!entry || entry.prepaid < 1 || now - entry.at > HEADROOM_TRUST_MS) return false;
    const unsentCharge = this.debits.get(this.tokenBucketKey(teamId))?.tokens ?? 0;
    return entry.tokensLeft - unsentCharge >= 1;
  }

  /** Takes more requests ahead in the background once half the supply is used (one top-up at a time). */
  private topUp(teamId: string, limits: ResolvedLimits, tokenBucket: BucketSpec, now: number): void {
    const entry = this.headroomOf(teamId);
    if (entry.toppingUp || entry.prepaid >= this.prepaidWant(limits) / 2) return;
    entry.toppingUp = true;
    void this.flushDebits();
    this.askBuckets(teamId, limits, tokenBucket, now, false)
      .catch(() => undefined) // a refusal or an error leaves no supply: the next requests ask Redis themselves
      .finally(() => (entry.toppingUp = false));
  }

  /** True when Redis's recent answer leaves room for this request besides every one still unanswered. */
  private hasHeadroom(teamId: string, now: number): boolean {
    const entry = this.headroom.get(teamId);
    if (!entry || now - entry.at > HEADROOM_TRUST_MS) return false;
    const unsentCharge = this.debits.get(this.tokenBucketKey(teamId))?.tokens ?? 0;
    return entry.requestsLeft - entry.unanswered >= 1 && entry.tokensLeft - unsentCharge >= 1;
  }

  private headroomOf(teamId: string): Headroom {
    let entry = this.headroom.get(teamId);
    if (!entry) {
      if (this.headroom.size >= HEADROOM_MAX) this.dropIdleHeadroom();
      entry = { at: 0, requestsLeft: 0, tokensLeft: 0, unanswered: 0, prepaid: 0, toppingUp: false };
      this.headroom.set(teamId, entry);
    }
    return entry;
  }

  /** Forgets teams with nothing unanswered (their entry only lets requests skip a wait). */
  private dropIdleHeadroom(): void {
    for (const [id, entry] of this.headroom) if (entry.unanswered === 0 && entry.prepaid === 0) this.headroom.delete(id);
  }

  private finish(release: Release, teamId: string, model: string, bucket: BucketSpec, tokensUsed: number): void {
    release();
    const key = this.queueKey(teamId, model);
    if (this.queues.get(key)?.idle) this.queues.delete(key);
    // The response must not wait on accounting.
    if (tokensUsed > 0) this.queueDebit(teamId, bucket, tokensUsed);
  }

  /** Sends the token charges still held (also at shutdown, before Redis closes). */
  flushDebits(): Promise<void> {
    clearTimeout(this.debitTimer);
    this.debitTimer = undefined;
    if (this.debits.size === 0) return Promise.resolve();
    const now = this.clock.now();
    const sent = [...this.debits.values()].map(({ bucket, tokens, teamId }) =>
      this.buckets.take(bucket, 0, tokens, now).then(
        // The charge's answer is the tokens bucket as it is now: later early or prepaid admissions go by it.
        (result) => {
          const entry = this.headroom.get(teamId);
          if (entry) entry.tokensLeft = result.level;
        },
        () => undefined,
      ),
    );
    this.debits.clear();
    return Promise.all(sent).then(() => undefined);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flushDebits();
  }

  private queueDebit(teamId: string, bucket: BucketSpec, tokens: number): void {
    const pending = this.debits.get(bucket.key);
    if (pending) {
      pending.tokens += tokens;
      pending.bucket = bucket;
    } else {
      this.debits.set(bucket.key, { bucket, tokens, teamId });
    }
    this.debitTimer ??= setTimeout(() => void this.flushDebits(), DEBIT_FLUSH_MS);
  }

  private tokenBucketKey(teamId: string): string {
    return `tessera:rl:${teamId}:tokens`;
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
