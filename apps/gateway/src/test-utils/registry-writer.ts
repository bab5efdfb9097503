import { DEFAULT_REGISTRY_PREFIX, modelsKey, modelWorkersKey, REGISTRY_SCHEMA_VERSION, WorkerRecord, workerKey } from '@tessera/contracts';
import Redis from 'ioredis';

/** A complete WorkerRecord with test defaults. */
export function workerRecord(over: Partial<WorkerRecord> & Pick<WorkerRecord, 'id' | 'address' | 'model'>, ttlMs = 5000): WorkerRecord {
  const now = Date.now();
  return {
    version: REGISTRY_SCHEMA_VERSION,
    maxModelLen: 256,
    maxSeqs: 16,
    kvBlocks: 64,
    blockSize: 16,
    running: 0,
    waiting: 0,
    kvUsage: 0,
    ready: true,
    draining: false,
    heartbeatAt: now,
    expiresAt: now + ttlMs,
    startedAt: now - 60_000,
    pid: process.pid,
    metricsPort: 0,
    ...over,
  };
}

/** One heartbeat exactly as a worker writes it (contracts/registry.ts): key, model set, models set. */
export async function writeWorkerRecord(redis: Redis, record: WorkerRecord, prefix = DEFAULT_REGISTRY_PREFIX): Promise<void> {
  const ttl = Math.max(1, record.expiresAt - record.heartbeatAt);
  await redis
    .multi()
    .set(workerKey(record.id, prefix), JSON.stringify(record), 'PX', ttl)
    .zadd(modelWorkersKey(record.model, prefix), record.expiresAt, record.id)
    .zadd(modelsKey(prefix), 'GT', record.expiresAt, record.model)
    .exec();
}

/** What a worker does on a clean shutdown. */
export async function removeWorkerRecord(redis: Redis, id: string, model: string, prefix = DEFAULT_REGISTRY_PREFIX): Promise<void> {
  await redis.multi().del(workerKey(id, prefix)).zrem(modelWorkersKey(model, prefix), id).exec();
}
