import { REGISTRY_SCHEMA_VERSION, type WorkerRecord } from '@tessera/contracts';
import type { EngineStats } from '@tessera/engine';

/** What a worker knows of itself at start; the rest of its record is live load. */
export type RecordFacts = Pick<WorkerRecord, 'id' | 'address' | 'model' | 'maxModelLen' | 'maxSeqs' | 'kvBlocks' | 'blockSize' | 'startedAt' | 'metricsPort'>;

/** This worker's registry entry at `now`, valid for `ttlMs`. */
export function buildWorkerRecord(facts: RecordFacts, stats: EngineStats, state: { ready: boolean; draining: boolean }, now: number, ttlMs: number): WorkerRecord {
  return {
    version: REGISTRY_SCHEMA_VERSION,
    ...facts,
    running: stats.running,
    waiting: stats.waiting,
    kvUsage: stats.kvUsage,
    ready: state.ready,
    draining: state.draining,
    heartbeatAt: now,
    expiresAt: now + ttlMs,
    pid: process.pid,
  };
}
