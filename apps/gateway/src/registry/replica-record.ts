import type { RoutableReplica } from '@tessera/cluster';

/** One model replica as the registry reports it. */
export interface ReplicaRecord extends RoutableReplica {
  /** host:port of the replica's gRPC Inference service. */
  address: string;
  model: string;
  maxModelLen?: number;
  /** Epoch milliseconds the replica started. */
  startedAt?: number;
}

/** Reads the replicas that workers registered (schema owned by libs/contracts). */
export abstract class ReplicaRegistry {
  abstract list(): Promise<ReplicaRecord[]>;
}
