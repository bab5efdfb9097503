// BullMQ closes only the Redis connections it created itself: an ioredis
// instance handed to a Worker, Queue or FlowProducer counts as shared and
// stays open after close(), keeping the process (and its reconnect timer)
// alive. So the quantizer hands BullMQ connection options, never instances.

import type { RedisOptions } from 'bullmq';

/** Connection options (accepted by BullMQ and ioredis alike) for a redis:// or rediss:// URL, with the setting BullMQ workers require. */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`${url} is not a URL; write redis://[user:password@]host[:port][/db]`);
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new RangeError(`${url}: the database number after the host must be a non-negative integer`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}
