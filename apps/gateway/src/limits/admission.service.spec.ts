import { GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { ErrorCode } from '@tessera/contracts';
import { Admission, AdmissionService, DEBIT_FLUSH_MS, HEADROOM_TRUST_MS, PREPAID_MAX, PREPAID_SHARE } from './admission.service';
import { AdmissionBucketsResult, BucketResult, BucketSpec, TokenBucketRepository } from './token-bucket.repository';

class ManualClock extends Clock {
  at = 1_000_000;
  now(): number {
    return this.at;
  }
}

/** Records every bucket operation in order; admissions are always allowed. */
class RecordingBuckets {
  readonly calls: string[] = [];
  async take(bucket: BucketSpec, need: number, cost: number, now: number): Promise<BucketResult> {
    this.calls.push(`take ${bucket.key} need=${need} cost=${cost} at=${now}`);
    return { allowed: true, level: 0, retryAfterMs: 0 };
  }
  async admit(requests: BucketSpec, tokens: BucketSpec, now: number): Promise<AdmissionBucketsResult> {
    this.calls.push(`admit ${requests.key} ${tokens.key} at=${now}`);
    return { refusedBy: 'none', requestsLeft: 0, tokensLeft: 0, requestsTaken: 1 };
  }
}

const config = { defaultRequestsPerMinute: 60, defaultTokensPerMinute: 6000, defaultMaxConcurrent: 4, defaultMaxWaiting: 4, queueWaitTimeoutMs: 1000 } as GatewayConfig;
const team = (id: string) => ({ id, limits: {} });

describe('AdmissionService token charges', () => {
  let buckets: RecordingBuckets;
  let clock: ManualClock;
  let admission: AdmissionService;

  beforeEach(() => {
    jest.useFakeTimers();
    buckets = new RecordingBuckets();
    clock = new ManualClock();
    admission = new AdmissionService(config, buckets as unknown as TokenBucketRepository, clock);
  });
  afterEach(() => jest.useRealTimers());

  it('sends a charge ahead of the next admission, in the same tick (one Redis write)', async () => {
    (await admission.admit(team('a'), 'm')).finish(120);
    expect(buckets.calls).toEqual(['admit tessera:rl:a:requests tessera:rl:a:tokens at=1000000']);
    clock.at += 5;
    const next = admission.admit(team('b'), 'm');
    // Both were issued synchronously by admit(), charge first.
    expect(buckets.calls.slice(1)).toEqual(['take tessera:rl:a:tokens need=0 cost=120 at=1000005', 'admit tessera:rl:b:requests tessera:rl:b:tokens at=1000005']);
    (await next).finish(0);
    jest.advanceTimersByTime(DEBIT_FLUSH_MS);
    expect(buckets.calls).toHaveLength(3);
  });

  it('sends charges on their own after DEBIT_FLUSH_MS, summed per bucket', async () => {
    (await admission.admit(team('a'), 'm')).finish(100);
    (await admission.admit(team('a'), 'm')).finish(0);
    // The second admission carried the first charge; two more finish before the flush.
    const one = await admission.admit(team('a'), 'm');
    const two = await admission.admit(team('a'), 'm');
    buckets.calls.length = 0;
    one.finish(30);
    two.finish(12);
    jest.advanceTimersByTime(DEBIT_FLUSH_MS - 1);
    expect(buckets.calls).toEqual([]);
    clock.at += DEBIT_FLUSH_MS;
    jest.advanceTimersByTime(1);
    expect(buckets.calls).toEqual([`take tessera:rl:a:tokens need=0 cost=42 at=${1_000_000 + DEBIT_FLUSH_MS}`]);
  });

  it('sends the charges still held at shutdown', async () => {
    const a = await admission.admit(team('a'), 'm');
    const b = await admission.admit(team('b'), 'n');
    a.finish(7);
    b.finish(9);
    buckets.calls.length = 0;
    await admission.beforeApplicationShutdown();
    expect(buckets.calls.sort()).toEqual(['take tessera:rl:a:tokens need=0 cost=7 at=1000000', 'take tessera:rl:b:tokens need=0 cost=9 at=1000000']);
    jest.advanceTimersByTime(DEBIT_FLUSH_MS);
    expect(buckets.calls).toHaveLength(2);
  });

  it('charges nothing for a request that used no tokens', async () => {
    (await admission.admit(team('a'), 'm')).finish(0);
    jest.advanceTimersByTime(DEBIT_FLUSH_MS);
    await admission.beforeApplicationShutdown();
    expect(buckets.calls).toEqual(['admit tessera:rl:a:requests tessera:rl:a:tokens at=1000000']);
  });
});

/** Admissions answered by the test, one by one, in order. */
class ManualBuckets {
  readonly pending: Array<(result: AdmissionBucketsResult) => void> = [];
  async take(): Promise<BucketResult> {
    return { allowed: true, level: 0, retryAfterMs: 0 };
  }
  readonly wants: number[] = [];
  admit(_requests: BucketSpec, _tokens: BucketSpec, _now: number, want = 1): Promise<AdmissionBucketsResult> {
    this.wants.push(want);
    return new Promise((resolve) => this.pending.push(resolve));
  }
  answer(result: AdmissionBucketsResult): void {
    const next = this.pending.shift();
    if (!next) throw new Error('no admission is waiting for an answer');
    next(result);
  }
}

/** Resolves with the admission if admit() settled within the current ticks, else 'waiting'. */
async function settledNow(admission: Promise<Admission>): Promise<Admission | 'waiting'> {
  return Promise.race([admission, new Promise<'waiting'>((resolve) => setImmediate(() => resolve('waiting')))]);
}

const admitted = (requestsLeft: number, tokensLeft = 1000, requestsTaken = 1): AdmissionBucketsResult => ({ refusedBy: 'none', requestsLeft, tokensLeft, requestsTaken });

describe('AdmissionService early admission (Redis round trip overlapping the work)', () => {
  let buckets: ManualBuckets;
  let clock: ManualClock;
  let admission: AdmissionService;

  beforeEach(() => {
    buckets = new ManualBuckets();
    clock = new ManualClock();
    admission = new AdmissionService(config, buckets as unknown as TokenBucketRepository, clock);
  });

  /** One admission answered by Redis with `result` (the first of a team always waits for it). */
  async function answered(teamId: string, result: AdmissionBucketsResult): Promise<Admission> {
    const pending = admission.admit(team(teamId), 'm');
    expect(await settledNow(pending)).toBe('waiting');
    buckets.answer(result);
    return pending;
  }

  it('waits for Redis while nothing is known of the team, then starts the next request before its answer', async () => {
    (await answered('a', admitted(10))).finish(0);
    const early = await settledNow(admission.admit(team('a'), 'm'));
    expect(early).not.toBe('waiting');
    expect(buckets.pending).toHaveLength(1);
    const confirmed = jest.fn();
    void (early as Admission).confirmed.then(confirmed);
    await settledNow(Promise.resolve({} as Admission));
    expect(confirmed).not.toHaveBeenCalled();
    buckets.answer(admitted(9));
    await (early as Admission).confirmed;
  });

  it('an early request that Redis refuses learns it through confirmed (429), and its slot is freed by finish', async () => {
    (await answered('a', admitted(10))).finish(0);
    const early = (await settledNow(admission.admit(team('a'), 'm'))) as Admission;
    buckets.answer({ refusedBy: 'requests', retryAfterMs: 1500 });
    await expect(early.confirmed).rejects.toMatchObject({ code: ErrorCode.RateLimited, retryAfterSeconds: 1.5 });
    early.finish(0);
    // The refusal left no headroom: the next request waits for Redis again.
    expect(await settledNow(admission.admit(team('a'), 'm'))).toBe('waiting');
  });

  it('counts unanswered admissions against the headroom, so a burst cannot all start early', async () => {
    (await answered('a', admitted(2))).finish(0);
    const first = await settledNow(admission.admit(team('a'), 'm'));
    const second = await settledNow(admission.admit(team('a'), 'm'));
    const third = admission.admit(team('a'), 'm');
    expect(first).not.toBe('waiting');
    expect(second).not.toBe('waiting');
    expect(await settledNow(third)).toBe('waiting');
    expect(buckets.pending).toHaveLength(3);
  });

  it('trusts an answer for HEADROOM_TRUST_MS only, and never with the tokens bucket empty', async () => {
    (await answered('a', admitted(10))).finish(0);
    clock.at += HEADROOM_TRUST_MS + 1;
    expect(await settledNow(admission.admit(team('a'), 'm'))).toBe('waiting');
    buckets.answer(admitted(9, 0.5));
    expect(await settledNow(admission.admit(team('a'), 'm'))).toBe('waiting');
    // Another team's headroom is its own.
    expect(await settledNow(admission.admit(team('b'), 'm'))).toBe('waiting');
  });

  it('counts token charges not sent yet against the tokens left', async () => {
    (await answered('a', admitted(10, 100))).finish(150);
    expect(await settledNow(admission.admit(team('a'), 'm'))).toBe('waiting');
  });

  it('does not start early when the wait queue has no free slot', async () => {
    const held: Admission[] = [await answered('a', admitted(100))];
    for (let i = 1; i < config.defaultMaxConcurrent; i++) held.push((await settledNow(admission.admit(team('a'), 'm'))) as Admission);
    const waiting = admission.admit(team('a'), 'm');
    expect(await settledNow(waiting)).toBe('waiting');
    for (let i = 0; i < config.defaultMaxConcurrent; i++) buckets.answer(admitted(90));
    expect(await settledNow(waiting)).toBe('waiting');
    held[0].finish(0);
    expect(await settledNow(waiting)).not.toBe('waiting');
  });
});

describe('AdmissionService requests taken ahead (no Redis round trip per request)', () => {
  const big = { ...config, defaultRequestsPerMinute: 600, defaultMaxConcurrent: 100 } as GatewayConfig;
  const want = Math.min(PREPAID_MAX, Math.floor(600 * PREPAID_SHARE));
  let buckets: ManualBuckets;
  let clock: ManualClock;
  let admission: AdmissionService;

  beforeEach(() => {
    buckets = new ManualBuckets();
    clock = new ManualClock();
    admission = new AdmissionService(big, buckets as unknown as TokenBucketRepository, clock);
  });

  /** The first admission of team a, answered with `want` requests taken. */
  async function firstAnswered(tokensLeft = 100_000): Promise<void> {
    const first = admission.admit(team('a'), 'm');
    expect(await settledNow(first)).toBe('waiting');
    expect(buckets.wants).toEqual([want]);
    buckets.answer(admitted(500, tokensLeft, want));
    (await first).finish(0);
  }

  it('admits the next requests from the ones taken ahead, topping up in the background once half are used', async () => {
    await firstAnswered();
    for (let i = 1; i < want; i++) {
      const next = await settledNow(admission.admit(team('a'), 'm'));
      expect(next).not.toBe('waiting');
      await (next as Admission).confirmed;
      (next as Admission).finish(0);
      // want - 1 were left after the first; the top-up goes out when fewer than half remain, once.
      expect(buckets.pending).toHaveLength(want - 1 - i < want / 2 ? 1 : 0);
    }
    buckets.answer(admitted(480, 100_000, want));
    await settledNow(Promise.resolve({} as Admission));
    for (let i = 0; i < want; i++) expect(await settledNow(admission.admit(team('a'), 'm'))).not.toBe('waiting');
    expect(buckets.wants.length).toBeLessThanOrEqual(3);
  });

  it('drops requests taken ahead once HEADROOM_TRUST_MS passed since the answer', async () => {
    await firstAnswered();
    clock.at += HEADROOM_TRUST_MS + 1;
    expect(await settledNow(admission.admit(team('a'), 'm'))).toBe('waiting');
  });

  it('uses none taken ahead while the tokens bucket is known to be spent (charges not sent yet count)', async () => {
    await firstAnswered(50);
    const one = (await settledNow(admission.admit(team('a'), 'm'))) as Admission;
    one.finish(60);
    expect(await settledNow(admission.admit(team('a'), 'm'))).toBe('waiting');
  });

  it('goes by the tokens level a sent charge reports, after the charge left the unsent ones', async () => {
    const charged = new ManualBuckets();
    charged.take = async () => ({ allowed: true, level: -40, retryAfterMs: 0 });
    const service = new AdmissionService(big, charged as unknown as TokenBucketRepository, clock);
    const first = service.admit(team('a'), 'm');
    charged.answer(admitted(500, 50, want));
    (await first).finish(90);
    await service.flushDebits();
    expect(await settledNow(service.admit(team('a'), 'm'))).toBe('waiting');
  });

  it('takes none ahead for a team whose limit is small (every request asks Redis)', async () => {
    const small = new AdmissionService({ ...big, defaultRequestsPerMinute: 40 } as GatewayConfig, buckets as unknown as TokenBucketRepository, clock);
    void small.admit(team('s'), 'm');
    expect(buckets.wants).toEqual([1]);
  });
});
