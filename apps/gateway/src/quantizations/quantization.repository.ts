// What the gateway remembers about each sweep, apart from its BullMQ jobs
// (which are removed after their retention time): the plan, who submitted it
// and when, and per team an index by submission time for listing.
//   tessera:quant:sweep:<id>         JSON SweepRecord
//   tessera:quant:team:<team>        ZSET of sweep ids, scored by creation time

import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import type { SweepPlan } from '@tessera/contracts';
import { REDIS } from '../redis/redis.tokens';

export interface SweepRecord {
  readonly plan: SweepPlan;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

const recordKey = (id: string) => `tessera:quant:sweep:${id}`;
const teamKey = (team: string) => `tessera:quant:team:${team}`;

@Injectable()
export class QuantizationRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Stores the record unless one exists; true when this call created it. */
  async createIfAbsent(record: SweepRecord): Promise<boolean> {
    const created = await this.redis.set(recordKey(record.plan.sweepId), JSON.stringify(record), 'NX');
    if (created === null) return false;
    await this.redis.zadd(teamKey(record.plan.team), record.createdAt, record.plan.sweepId);
    return true;
  }

  async find(id: string): Promise<SweepRecord | undefined> {
    const json = await this.redis.get(recordKey(id));
    return json ? (JSON.parse(json) as SweepRecord) : undefined;
  }

  /** The team's sweeps, newest first. */
  async listByTeam(team: string, limit: number): Promise<SweepRecord[]> {
    const ids = await this.redis.zrevrange(teamKey(team), 0, limit - 1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map(recordKey));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as SweepRecord);
  }
}
