/**
 * The worker registry in Redis: how workers announce themselves and how the gateway
 * finds them. Workers write, the gateway reads; both sides use only these helpers.
 *
 * Keys (prefix default `tessera:`, configurable so tests and stacks can share a Redis):
 *   {prefix}worker:{id}             STRING  JSON WorkerRecord, written with `SET … PX ttlMs`
 *                                           at every heartbeat: it vanishes ttlMs after the
 *                                           last heartbeat of a dead worker.
 *   {prefix}workers:{model}         ZSET    member = worker id, score = expiresAt (epoch ms).
 *                                           Live workers of a model: ZRANGEBYSCORE key now +inf,
 *                                           then MGET their worker keys and drop nulls. Members
 *                                           with score < now are stale (writers trim them).
 *   {prefix}models                  ZSET    member = model name, score = latest expiresAt of any
 *                                           of its workers (ZRANGEBYSCORE models now +inf lists
 *                                           the models served right now).
 * A worker writes all three in one MULTI per heartbeat and removes its entries
 * (DEL + ZREM) when it shuts down cleanly.
 */

export const REGISTRY_SCHEMA_VERSION = 1;
export const DEFAULT_REGISTRY_PREFIX = 'tessera:';

export function workerKey(id: string, prefix = DEFAULT_REGISTRY_PREFIX): string {
  return `${prefix}worker:${id}`;
}

export function modelWorkersKey(model: string, prefix = DEFAULT_REGISTRY_PREFIX): string {
  return `${prefix}workers:${model}`;
}

export function modelsKey(prefix = DEFAULT_REGISTRY_PREFIX): string {
  return `${prefix}models`;
}

/** One worker (one model replica), as it last reported itself. */
export interface WorkerRecord {
  /** REGISTRY_SCHEMA_VERSION of the writer. */
  version: number;
  id: string;
  /** gRPC address for the Inference service, "host:port". */
  address: string;
  /** Served model name (what clients put in `model`). */
  model: string;
  /** Prompt + output tokens never exceed this. */
  maxModelLen: number;
  /** Capacity: sequences in one batch, KV-cache blocks and their size in tokens. */
  maxSeqs: number;
  kvBlocks: number;
  blockSize: number;
  /** Live load at `heartbeatAt`. */
  running: number;
  waiting: number;
  /** KV-cache usage in [0, 1]. */
  kvUsage: number;
  /** Takes new requests (model loaded, warm-up step done, not draining). */
  ready: boolean;
  /** Shutting down: finishing in-flight requests, taking no new ones. */
  draining: boolean;
  /** Epoch ms of this write, and when the key expires without a newer one. */
  heartbeatAt: number;
  expiresAt: number;
  startedAt: number;
  pid: number;
  /** HTTP port of /metrics, /healthz, /readyz on the worker's host; 0 = none. */
  metricsPort: number;
}

export class RegistryRecordError extends Error {
  readonly code = 'EREGISTRY';
  constructor(message: string) {
    super(message);
    this.name = 'RegistryRecordError';
  }
}

const NUMBER_FIELDS = ['version', 'maxModelLen', 'maxSeqs', 'kvBlocks', 'blockSize', 'running', 'waiting', 'kvUsage', 'heartbeatAt', 'expiresAt', 'startedAt', 'pid', 'metricsPort'] as const;
const STRING_FIELDS = ['id', 'address', 'model'] as const;
const BOOLEAN_FIELDS = ['ready', 'draining'] as const;

/** Parses one worker key's value; throws RegistryRecordError naming the bad field. */
export function parseWorkerRecord(json: string): WorkerRecord {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new RegistryRecordError('worker record is not JSON');
  }
  if (typeof value !== 'object' || value === null) throw new RegistryRecordError('worker record is not an object');
  const o = value as Record<string, unknown>;
  for (const f of NUMBER_FIELDS) if (typeof o[f] !== 'number' || !Number.isFinite(o[f])) throw new RegistryRecordError(`worker record field ${f} must be a number`);
  for (const f of STRING_FIELDS) if (typeof o[f] !== 'string' || o[f] === '') throw new RegistryRecordError(`worker record field ${f} must be a non-empty string`);
  for (const f of BOOLEAN_FIELDS) if (typeof o[f] !== 'boolean') throw new RegistryRecordError(`worker record field ${f} must be a boolean`);
  return o as unknown as WorkerRecord;
}
