import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.tokens';
import { Team } from './team';

const TEAMS = 'tessera:teams';

@Injectable()
export class TeamRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async find(id: string): Promise<Team | undefined> {
    const json = await this.redis.hget(TEAMS, id);
    return json ? (JSON.parse(json) as Team) : undefined;
  }

  /** Stores a new team; false if the id is taken. */
  async create(team: Team): Promise<boolean> {
    return (await this.redis.hsetnx(TEAMS, team.id, JSON.stringify(team))) === 1;
  }

  async update(team: Team): Promise<void> {
    await this.redis.hset(TEAMS, team.id, JSON.stringify(team));
  }

  async list(): Promise<Team[]> {
    return Object.values(await this.redis.hgetall(TEAMS))
      .map((json) => JSON.parse(json) as Team)
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }
}
