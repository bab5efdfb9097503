import { REGISTRY_SCHEMA_VERSION, type WorkerRecord } from '@tessera/contracts';
import type { EngineStats } from '@tessera/engine';

export interface RecordFacts {
  id: string;
  address: string;
  model: string;
  maxModelLen: number;
  maxSeqs: number;
  kvBlocks: number;
  blockSize: number;
  startedAt: number;
  metricsPort: number;
}

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
