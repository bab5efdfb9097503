import { DynamicModule, Global, Module } from '@nestjs/common';
import { TeamRepository } from './admin/team.repository';
import { ApiKeyRepository } from './auth/api-key.repository';
import { GATEWAY_CONFIG, GatewayConfig } from './config/gateway.config';
import { GatewayMetrics } from './metrics/gateway.metrics';
import { Clock, SystemClock } from './redis/clock';
import { RedisModule } from './redis/redis.module';
import { InFlightTracker } from './registry/in-flight.tracker';
import { RedisReplicaRegistry } from './registry/redis-replica-registry';
import { RegistryService } from './registry/registry.service';
import { ReplicaRegistry } from './registry/replica-record';

/** Config, Redis, the clock and the shared repositories every feature module uses. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const providers = [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: Clock, useClass: SystemClock },
      { provide: ReplicaRegistry, useClass: RedisReplicaRegistry },
      TeamRepository,
      ApiKeyRepository,
      RegistryService,
      InFlightTracker,
      GatewayMetrics,
    ];
    return { module: CoreModule, imports: [RedisModule], providers, exports: [...providers.map((p) => ('provide' in p ? p.provide : p)), RedisModule] };
  }
}
