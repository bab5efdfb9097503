import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { Clock } from '../redis/clock';
import { REDIS } from '../redis/redis.tokens';
import { ReadThroughCache } from '../common/read-through-cache';
import { Team } from './team';

const TEAMS = 'tessera:teams';

/**
 * How long the request path may reuse a team record it read (limits, allowed
 * models), counted from the start of that read. Every inference and /v1/models
 * request would otherwise cost a Redis round trip; a change made through
 * another gateway replica takes effect within this time (through this one, at
 * once: writes drop the entry).
 */
export const TEAM_CACHE_MS = 5_000;
/** A team in use is read again in the background from this age on, so requests do not wait for the refresh. */
export const TEAM_REFRESH_AFTER_MS = 4_000;
/** Bound on cached teams, so memory stays bounded whatever the number of teams. */
const TEAM_CACHE_MAX = 10_000;

@Injectable()
export class TeamRepository {
  private readonly cache: ReadThroughCache<Team>;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    clock: Clock,
  ) {
    this.cache = new ReadThroughCache(clock, { maxAgeMs: TEAM_CACHE_MS, refreshAfterMs: TEAM_REFRESH_AFTER_MS, maxEntries: TEAM_CACHE_MAX }, (id) => this.find(id));
  }

  /** find() for the request path: found teams are reused up to TEAM_CACHE_MS; unknown ids always ask Redis. */
  lookup(id: string): Promise<Team | undefined> {
    return this.cache.get(id);
  }

  /** Always reads Redis (admin reads and read-modify-write updates must see the latest record). */
  async find(id: string): Promise<Team | undefined> {
    const json = await this.redis.hget(TEAMS, id);
    return json ? (JSON.parse(json) as Team) : undefined;
  }

  /** Stores a new team; false if the id is taken. */
  async create(team: Team): Promise<boolean> {
    this.forget(team.id);
    try {
      return (await this.redis.hsetnx(TEAMS, team.id, JSON.stringify(team))) === 1;
    } finally {
      this.forget(team.id);
    }
  }

  async update(team: Team): Promise<void> {
    this.forget(team.id);
    try {
      await this.redis.hset(TEAMS, team.id, JSON.stringify(team));
    } finally {
      this.forget(team.id);
    }
  }

  async list(): Promise<Team[]> {
    return Object.values(await this.redis.hgetall(TEAMS))
      .map((json) => JSON.parse(json) as Team)
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** Called before and after each write, so no read that overlaps it is cached. */
  private forget(id: string): void {
    this.cache.invalidate(id);
  }
}
