import Redis from 'ioredis';
import { startTestRedis, type TestRedis as BareTestRedis } from '@tessera/testing';

/** The shared throw-away redis-server plus a connected client for the worker specs' assertions. */
export interface TestRedis extends BareTestRedis {
  /** Closed by stop(). */
  client: Redis;
}

export async function startRedis(): Promise<TestRedis> {
  const redis = await startTestRedis();
  const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    await redis.stop();
    throw err;
  }
  return {
    ...redis,
    client,
    async stop() {
      client.disconnect();
      await redis.stop();
    },
  };
}
