import Redis from 'ioredis';
import { Clock } from '../redis/clock';
import { ApiKeyRecord } from './api-key.record';
import { ApiKeyRepository, KEY_CACHE_MS, KEY_REFRESH_AFTER_MS } from './api-key.repository';
import { Role } from './role';

class ManualClock extends Clock {
  at = 1_000_000;
  now(): number {
    return this.at;
  }
}

/** Just enough of ioredis for the repository: GET, and MULTI SET/DEL/HSET/HDEL EXEC, with a count of GETs. */
function fakeRedis() {
  const store = new Map<string, string>();
  let pendingGet: (() => void) | undefined;
  const fake = {
    store,
    gets: 0,
    /** When set, every GET fails as if Redis were unreachable. */
    failing: false,
    /** When set, the next GET waits until `release()` is called. */
    holdNextGet: false,
    release: () => pendingGet?.(),
    async get(key: string) {
      fake.gets++;
      if (fake.failing) throw new Error('ECONNREFUSED');
      const value = store.get(key) ?? null;
      if (fake.holdNextGet) {
        fake.holdNextGet = false;
        await new Promise<void>((resolve) => (pendingGet = resolve));
      }
      return value;
    },
    multi() {
      const ops: Array<() => void> = [];
      const chain = {
        set: (k: string, v: string) => (ops.push(() => store.set(k, v)), chain),
        del: (k: string) => (ops.push(() => store.delete(k)), chain),
        hset: () => chain,
        hdel: () => chain,
        exec: async () => ops.forEach((op) => op()),
      };
      return chain;
    },
  };
  return fake;
}

const record = (revoked = false): ApiKeyRecord => ({ id: 'key_1', teamId: 't', role: Role.Member, prefix: 'tsk-abc', createdAt: 0, revoked });

describe('ApiKeyRepository.lookup (the request path cache)', () => {
  let redis: ReturnType<typeof fakeRedis>;
  let clock: ManualClock;
  let keys: ApiKeyRepository;

  beforeEach(async () => {
    redis = fakeRedis();
    clock = new ManualClock();
    keys = new ApiKeyRepository(redis as unknown as Redis, clock);
    await keys.save('h1', record());
  });

  it('asks Redis once per key before KEY_REFRESH_AFTER_MS, and again after it', async () => {
    expect(await keys.lookup('h1')).toEqual(record());
    clock.at += KEY_REFRESH_AFTER_MS - 1;
    expect(await keys.lookup('h1')).toEqual(record());
    expect(redis.gets).toBe(1);
    clock.at += 1;
    await keys.lookup('h1');
    expect(redis.gets).toBe(2);
  });

  it('a key in use is read again in the background from KEY_REFRESH_AFTER_MS, one read at a time, so a revoke elsewhere is seen sooner', async () => {
    await keys.lookup('h1');
    redis.store.set('tessera:apikey:h1', JSON.stringify(record(true)));
    clock.at += KEY_REFRESH_AFTER_MS;
    redis.holdNextGet = true;
    expect((await keys.lookup('h1'))?.revoked).toBe(false); // answered at once, the read runs behind it
    expect((await keys.lookup('h1'))?.revoked).toBe(false);
    expect(redis.gets).toBe(2);
    redis.release();
    await new Promise((r) => setImmediate(r));
    expect((await keys.lookup('h1'))?.revoked).toBe(true);
    expect(redis.gets).toBe(2);
  });

  it('a key revoked elsewhere (another gateway replica) stops working within KEY_CACHE_MS, even when every background read fails', async () => {
    expect(await keys.lookup('h1')).toEqual(record());
    redis.store.set('tessera:apikey:h1', JSON.stringify(record(true)));
    redis.failing = true;
    clock.at += KEY_REFRESH_AFTER_MS;
    expect((await keys.lookup('h1'))?.revoked).toBe(false); // still within the bound; its refresh fails
    clock.at += KEY_CACHE_MS - KEY_REFRESH_AFTER_MS - 1;
    expect((await keys.lookup('h1'))?.revoked).toBe(false);
    clock.at += 1;
    await expect(keys.lookup('h1')).rejects.toThrow('ECONNREFUSED'); // never the old record past the bound
    redis.failing = false;
    expect((await keys.lookup('h1'))?.revoked).toBe(true);
  });

  it('never caches an unknown key (a key created elsewhere works at once)', async () => {
    expect(await keys.lookup('h2')).toBeUndefined();
    expect(await keys.lookup('h2')).toBeUndefined();
    expect(redis.gets).toBe(2);
  });

  it('a revoke written through this repository takes effect at once', async () => {
    await keys.lookup('h1');
    await keys.save('h1', record(true));
    expect((await keys.lookup('h1'))?.revoked).toBe(true);
    await keys.remove('key_1', 'h1');
    expect(await keys.lookup('h1')).toBeUndefined();
  });

  it('does not cache a read that overlapped a write (it may hold the old record)', async () => {
    redis.holdNextGet = true;
    const stale = keys.lookup('h1');
    await keys.save('h1', record(true));
    redis.release();
    expect((await stale)?.revoked).toBe(false);
    expect((await keys.lookup('h1'))?.revoked).toBe(true);
  });
});
