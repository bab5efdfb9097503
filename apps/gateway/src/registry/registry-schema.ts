import { ReplicaRecord } from './replica-record';

/**
 * Provisional registry layout until libs/contracts publishes the shared one:
 * each worker SETs `tessera:replica:<id>` to a JSON record with a TTL a few
 * heartbeats long, and refreshes it on every heartbeat.
 */
export const REPLICA_KEY_PREFIX = 'tessera:replica:';

export function replicaKey(id: string): string {
  return REPLICA_KEY_PREFIX + id;
}

/** Parses one stored record; undefined for anything malformed (a bad worker must not break routing). */
export function parseReplicaRecord(json: string): ReplicaRecord | undefined {
  let value: Partial<ReplicaRecord>;
  try {
    value = JSON.parse(json) as Partial<ReplicaRecord>;
  } catch {
    return undefined;
  }
  const numbers = [value.running, value.waiting, value.kvUsage, value.heartbeatAt];
  if (typeof value.id !== 'string' || typeof value.address !== 'string' || typeof value.model !== 'string') return undefined;
  if (typeof value.ready !== 'boolean' || numbers.some((n) => typeof n !== 'number' || !Number.isFinite(n))) return undefined;
  return value as ReplicaRecord;
}
