// The gateway's producer side of the quantization queues, on a Redis
// connection of its own (BullMQ loads its scripts into the client), closed at
// shutdown.

import { FactoryProvider, Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { QuantQueues, closeQuantQueues, openQuantQueues } from '@tessera/jobs';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';

export const QUANT_QUEUES = Symbol('QUANT_QUEUES');

interface QueuesWithConnection {
  readonly queues: QuantQueues;
  readonly connection: Redis;
}

export const quantQueuesProvider: FactoryProvider<QueuesWithConnection> = {
  provide: QUANT_QUEUES,
  inject: [GATEWAY_CONFIG],
  useFactory: (config: GatewayConfig) => {
    const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
    return { queues: openQuantQueues(connection, config.quantization.queuePrefix), connection };
  },
};

/** Injectable access to the queues; closes them and their connection at shutdown. */
@Injectable()
export class QuantizationQueues implements OnApplicationShutdown {
  constructor(@Inject(QUANT_QUEUES) private readonly handle: QueuesWithConnection) {}

  get queues(): QuantQueues {
    return this.handle.queues;
  }

  async onApplicationShutdown(): Promise<void> {
    await closeQuantQueues(this.handle.queues);
    await this.handle.connection.quit().catch(() => this.handle.connection.disconnect());
  }
}
