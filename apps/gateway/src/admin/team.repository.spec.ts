import Redis from 'ioredis';
import { Clock } from '../redis/clock';
import { Team } from './team';
import { TEAM_CACHE_MS, TEAM_REFRESH_AFTER_MS, TeamRepository } from './team.repository';

class ManualClock extends Clock {
  at = 1_000_000;
  now(): number {
    return this.at;
  }
}

/** Just enough of ioredis for the repository: HGET, HSET, HSETNX on one hash, with a count of HGETs. */
function fakeRedis() {
  const hash = new Map<string, string>();
  let pendingGet: (() => void) | undefined;
  const fake = {
    hgets: 0,
    /** When set, the next HGET waits until `release()` is called. */
    holdNextGet: false,
    release: () => pendingGet?.(),
    async hget(_key: string, field: string) {
      fake.hgets++;
      const value = hash.get(field) ?? null;
      if (fake.holdNextGet) {
        fake.holdNextGet = false;
        await new Promise<void>((resolve) => (pendingGet = resolve));
      }
      return value;
    },
    async hset(_key: string, field: string, value: string) {
      hash.set(field, value);
      return 1;
    },
    async hsetnx(_key: string, field: string, value: string) {
      if (hash.has(field)) return 0;
      hash.set(field, value);
      return 1;
    },
  };
  return fake;
}

const team = (requestsPerMinute: number, allowedModels: string[] = []): Team => ({ id: 't', name: 'T', allowedModels, limits: { requestsPerMinute }, createdAt: 0 });

describe('TeamRepository.lookup (the request path cache)', () => {
  let redis: ReturnType<typeof fakeRedis>;
  let clock: ManualClock;
  let teams: TeamRepository;

  beforeEach(async () => {
    redis = fakeRedis();
    clock = new ManualClock();
    teams = new TeamRepository(redis as unknown as Redis, clock);
    await teams.create(team(10));
  });

  it('asks Redis once per team before TEAM_REFRESH_AFTER_MS, in the background until TEAM_CACHE_MS, and waits for it after', async () => {
    expect(await teams.lookup('t')).toEqual(team(10));
    clock.at += TEAM_REFRESH_AFTER_MS - 1;
    expect(await teams.lookup('t')).toEqual(team(10));
    expect(redis.hgets).toBe(1);
    clock.at += 1;
    expect(await teams.lookup('t')).toEqual(team(10));
    expect(redis.hgets).toBe(2);
    clock.at += TEAM_CACHE_MS;
    await teams.lookup('t');
    expect(redis.hgets).toBe(3);
  });

  it('never caches an unknown team (a team created elsewhere counts at once)', async () => {
    expect(await teams.lookup('u')).toBeUndefined();
    expect(await teams.lookup('u')).toBeUndefined();
    expect(redis.hgets).toBe(2);
  });

  it('find always reads Redis (admin reads and updates see the latest record)', async () => {
    await teams.lookup('t');
    await teams.find('t');
    await teams.find('t');
    expect(redis.hgets).toBe(3);
  });

  it('an update written through this repository takes effect at once', async () => {
    await teams.lookup('t');
    await teams.update(team(5, ['m']));
    expect(await teams.lookup('t')).toEqual(team(5, ['m']));
  });

  it('does not cache a read that overlapped a write (it may hold the old record)', async () => {
    redis.holdNextGet = true;
    const stale = teams.lookup('t');
    await teams.update(team(5));
    redis.release();
    expect((await stale)?.limits.requestsPerMinute).toBe(10);
    expect((await teams.lookup('t'))?.limits.requestsPerMinute).toBe(5);
  });
});
