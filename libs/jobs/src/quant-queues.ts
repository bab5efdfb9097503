// The producer side of the quantization queues: one BullMQ Queue per job kind,
// opened with a shared key prefix, closed together.

import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { QuantQueue } from '@tessera/contracts';

export type QuantQueues = Readonly<Record<QuantQueue, Queue>>;

/** Opens every quantization queue on `connection` (not closed by closeQuantQueues: the caller owns it). */
export function openQuantQueues(connection: Redis, prefix: string): QuantQueues {
  const entries = Object.values(QuantQueue).map((name) => [name, new Queue(name, { connection, prefix })] as const);
  return Object.fromEntries(entries) as Record<QuantQueue, Queue>;
}

export async function closeQuantQueues(queues: QuantQueues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
