import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { FlowProducer } from 'bullmq';
import Redis from 'ioredis';
import { ModelStore } from '@tessera/store';
import { QUANTIZER_CONFIG, QuantizerConfig } from './config/quantizer-config';
import { redisOptions } from './config/redis-options';
import { ConvertProcessor } from './processors/convert.processor';
import { EvaluateProcessor } from './processors/evaluate.processor';
import { QuantizeProcessor } from './processors/quantize.processor';
import { QUANT_REDIS, SWEEP_FLOWS } from './processors/quantizer-deps';
import { ReportProcessor } from './processors/report.processor';
import { QuantizerWorkers } from './workers/quantizer-workers';

/** The quantizer process: config, store, Redis, one processor per job kind and the workers running them. */
@Module({})
export class QuantizerModule implements OnApplicationShutdown {
  constructor(
    @Inject(QUANT_REDIS) private readonly redis: Redis,
    @Inject(SWEEP_FLOWS) private readonly flows: FlowProducer,
  ) {}

  static forRoot(config: QuantizerConfig): DynamicModule {
    return {
      module: QuantizerModule,
      providers: [
        { provide: QUANTIZER_CONFIG, useValue: config },
        { provide: ModelStore, useValue: new ModelStore(config.storeDir) },
        { provide: QUANT_REDIS, useFactory: () => new Redis(redisOptions(config.redisUrl)) },
        {
          provide: SWEEP_FLOWS,
          useFactory: () => new FlowProducer({ connection: redisOptions(config.redisUrl), prefix: config.queuePrefix }),
        },
        ConvertProcessor,
        QuantizeProcessor,
        EvaluateProcessor,
        ReportProcessor,
        QuantizerWorkers,
      ],
      exports: [QuantizerWorkers, ModelStore],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flows.close();
    await this.redis.quit().catch(() => undefined);
  }
}
