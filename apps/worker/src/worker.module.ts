import { Module, type DynamicModule } from '@nestjs/common';
import { WorkerConfig } from './config/worker-config';
import { EngineHost } from './engine/engine-host.service';
import { GrpcServer } from './grpc/grpc-server.service';
import { HealthService } from './health/health.service';
import { InferenceService } from './inference/inference.service';
import { WorkerLifecycle } from './lifecycle/worker-lifecycle.service';
import { RegistryService } from './registry/registry.service';
import { WorkerTelemetry } from './telemetry/worker-telemetry.service';

/** One model replica: engine, gRPC service, registry heartbeat, metrics. */
@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      providers: [
        { provide: WorkerConfig, useValue: config },
        EngineHost,
        HealthService,
        WorkerTelemetry,
        InferenceService,
        GrpcServer,
        RegistryService,
        WorkerLifecycle,
      ],
    };
  }
}
