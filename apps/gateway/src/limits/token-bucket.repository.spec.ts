import Redis from 'ioredis';
import { startTestRedis, TestRedis } from '@tessera/testing';
import { BucketSpec, TokenBucketRepository } from './token-bucket.repository';

/**
 * admit() must be exactly the two single-bucket calls the gateway used to make
 * (take(requests, 1, 1), then, if allowed, take(tokens, 1, 0)): the same
 * answers and the same bucket states, in a real Redis.
 */
describe('TokenBucketRepository.admit (both buckets in one Lua call)', () => {
  let server: TestRedis;
  let redis: Redis;
  let buckets: TokenBucketRepository;

  beforeAll(async () => {
    server = await startTestRedis();
    redis = new Redis(server.url);
    buckets = new TokenBucketRepository(redis);
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  const spec = (key: string, perMinute: number): BucketSpec => ({ key, perMinute });

  /** The old path, step by step. */
  async function twoCalls(requests: BucketSpec, tokens: BucketSpec, now: number) {
    const r = await buckets.take(requests, 1, 1, now);
    if (!r.allowed) return { refusedBy: 'requests', retryAfterMs: r.retryAfterMs };
    const t = await buckets.take(tokens, 1, 0, now);
    if (!t.allowed) return { refusedBy: 'tokens', retryAfterMs: t.retryAfterMs };
    return { refusedBy: 'none', requestsLeft: r.level, tokensLeft: t.level, requestsTaken: 1 };
  }

  const state = async (key: string) => {
    const [level, ts] = await redis.hmget(key, 'level', 'ts');
    return { level, ts, ttl: (await redis.pttl(key)) > 0 };
  };

  it('gives the same answers and leaves the same state as the two calls, through refusals, refills and debits', async () => {
    const oldReq = spec('old:req', 3);
    const oldTok = spec('old:tok', 600);
    const newReq = spec('new:req', 3);
    const newTok = spec('new:tok', 600);
    const seen = new Set<string>();
    let now = 1_000_000;
    // Admissions at varying gaps, with token debits that put the tokens bucket in debt now and then.
    const steps: Array<{ gapMs: number; debit?: number }> = [
      { gapMs: 0 }, { gapMs: 1 }, { gapMs: 1 }, { gapMs: 1 }, { gapMs: 5_000 }, { gapMs: 20_000, debit: 900 },
      { gapMs: 20_000 }, { gapMs: 30_000 }, { gapMs: 60_000 }, { gapMs: 0, debit: 50 }, { gapMs: 10 }, { gapMs: 100_000, debit: 1_500 },
      { gapMs: 1_000 }, { gapMs: 59_000 }, { gapMs: 61_000 }, { gapMs: 0 },
    ];
    for (const step of steps) {
      now += step.gapMs;
      if (step.debit) {
        await buckets.take(oldTok, 0, step.debit, now);
        await buckets.take(newTok, 0, step.debit, now);
      }
      const expected = await twoCalls(oldReq, oldTok, now);
      const actual = await buckets.admit(newReq, newTok, now);
      expect(actual).toEqual(expected);
      expect(await state(newReq.key)).toEqual(await state(oldReq.key));
      expect(await state(newTok.key)).toEqual(await state(oldTok.key));
      seen.add(actual.refusedBy);
    }
    // The sequence went through every outcome, so each branch was compared.
    expect([...seen].sort()).toEqual(['none', 'requests', 'tokens']);
  });

  it('takes up to `want` requests ahead when both buckets allow, as many as the requests bucket holds, and only 1 on a tokens refusal', async () => {
    const req = spec('w:req', 10);
    const tok = spec('w:tok', 60);
    const now = 7_000_000;
    expect(await buckets.admit(req, tok, now, 4)).toEqual({ refusedBy: 'none', requestsLeft: 6, tokensLeft: 60, requestsTaken: 4 });
    expect(await buckets.admit(req, tok, now, 4)).toEqual({ refusedBy: 'none', requestsLeft: 2, tokensLeft: 60, requestsTaken: 4 });
    expect(await buckets.admit(req, tok, now, 4)).toEqual({ refusedBy: 'none', requestsLeft: 0, tokensLeft: 60, requestsTaken: 2 });
    expect(await buckets.admit(req, tok, now, 4)).toEqual({ refusedBy: 'requests', retryAfterMs: 6_000 });
    await buckets.take(tok, 0, 120, now + 12_000); // 60 tokens of debt; 2 requests refilled
    expect(await buckets.admit(req, tok, now + 12_000, 4)).toMatchObject({ refusedBy: 'tokens' });
    expect(await redis.hget(req.key, 'level')).toBe('1');
  });

  it('a request refused for tokens still spent its request; one refused for requests leaves the tokens bucket alone', async () => {
    const req = spec('b:req', 2);
    const tok = spec('b:tok', 60);
    const now = 5_000_000;
    await buckets.take(tok, 0, 120, now); // 60 tokens of debt
    expect(await buckets.admit(req, tok, now)).toEqual({ refusedBy: 'tokens', retryAfterMs: 61_000 });
    expect(await redis.hget(req.key, 'level')).toBe('1');
    expect(await buckets.admit(req, tok, now)).toEqual({ refusedBy: 'tokens', retryAfterMs: 61_000 });
    const tokensBefore = await redis.hmget(tok.key, 'level', 'ts');
    expect(await buckets.admit(req, tok, now + 10)).toEqual({ refusedBy: 'requests', retryAfterMs: 29_990 });
    expect(await redis.hmget(tok.key, 'level', 'ts')).toEqual(tokensBefore);
  });
});
