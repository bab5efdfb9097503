import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { Clock } from '../redis/clock';
import { REDIS } from '../redis/redis.tokens';
import { Team } from './team';

const TEAMS = 'tessera:teams';

/**
 * How long the request path reuses a team record it found (limits, allowed
 * models). Every inference and /v1/models request would otherwise cost a Redis
 * round trip; a change made through another gateway replica takes effect within
 * this time (through this one, at once: writes drop the entry).
 */
export const TEAM_CACHE_MS = 5_000;
/** Bound on cached teams, so memory stays bounded whatever the number of teams. */
const TEAM_CACHE_MAX = 10_000;

@Injectable()
export class TeamRepository {
  private readonly cache = new Map<string, { at: number; team: Team }>();
  /** Bumped by every write: a read that overlapped one is not cached (it may predate it). */
  private writes = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly clock: Clock,
  ) {}

  /** find() for the request path: found teams are reused for TEAM_CACHE_MS; unknown ids always ask Redis. */
  async lookup(id: string): Promise<Team | undefined> {
    const now = this.clock.now();
    const hit = this.cache.get(id);
    if (hit && now - hit.at < TEAM_CACHE_MS) return hit.team;
    const writesBefore = this.writes;
    const team = await this.find(id);
    this.cache.delete(id);
    if (team && this.writes === writesBefore) {
      if (this.cache.size >= TEAM_CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(id, { at: now, team });
    }
    return team;
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
    this.writes++;
    this.cache.delete(id);
  }
}
