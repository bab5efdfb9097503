import { Global, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { REDIS } from './redis.tokens';

export class RedisUnavailableError extends Error {
  readonly code = 'EREDISUNAVAILABLE';
}

/** One Redis connection for the process; checked at boot, closed at shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => new Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true }),
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
