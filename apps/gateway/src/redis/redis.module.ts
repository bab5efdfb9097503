import { Global, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { REDIS } from './redis.tokens';

export class RedisUnavailableError extends Error {
  readonly code = 'EREDISUNAVAILABLE';
}

/**
 * Client options. Auto-pipelining sends the commands issued in one event-loop
 * tick (by concurrent requests) in one socket write: the gateway's Redis cost
 * is mostly those writes, not Redis's own time.
 */
export const GATEWAY_REDIS_OPTIONS: Readonly<RedisOptions> = { maxRetriesPerRequest: 2, lazyConnect: true, enableAutoPipelining: true };

export function createGatewayRedis(config: Pick<GatewayConfig, 'redisUrl'>): Redis {
  return new Redis(config.redisUrl, { ...GATEWAY_REDIS_OPTIONS });
}

/** One Redis connection for the process; checked at boot, closed at shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [GATEWAY_CONFIG],
      useFactory: createGatewayRedis,
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onModuleInit(): Promise<void> {
    try {
      await this.redis.connect();
      await this.redis.ping();
    } catch (err) {
      this.redis.disconnect();
      throw new RedisUnavailableError(`Cannot reach Redis (${(err as Error).message}). Start Redis or set REDIS_URL.`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit();
    else this.redis.disconnect();
  }
}
