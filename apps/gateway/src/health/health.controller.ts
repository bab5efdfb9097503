import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ErrorCode } from '@tessera/contracts';
import Redis from 'ioredis';
import { Public } from '../auth/route-access.decorator';
import { ApiError } from '../common/api-error';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { REDIS } from '../redis/redis.tokens';

/** Liveness, readiness (Redis reachable) and Prometheus metrics; open to probes and scrapers. */
@Controller()
@Public()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly metrics: GatewayMetrics,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready() {
    try {
      await this.redis.ping();
    } catch {
      throw new ApiError(ErrorCode.NoReplica, 'Redis is unreachable: the gateway cannot authenticate or route.', null, 5, 503);
    }
    return { status: 'ready' };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape() {
    return this.metrics.registry.metrics();
  }
}
