import { GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { AdmissionService, DEBIT_FLUSH_MS } from './admission.service';
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
    return { refusedBy: 'none' };
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
