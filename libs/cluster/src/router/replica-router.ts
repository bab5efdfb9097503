import { rendezvousRank } from './rendezvous-hash';

/** What the router needs to know about one replica (from the registry). */
export interface RoutableReplica {
  id: string;
  /** Only ready replicas take work. */
  ready: boolean;
  /** Sequences the engine is running / has queued, as last reported. */
  running: number;
  waiting: number;
  /** KV-cache usage in [0, 1], as last reported. */
  kvUsage: number;
  /** Epoch milliseconds of the last heartbeat. */
  heartbeatAt: number;
}

export interface RouterPolicy {
  /** A replica whose heartbeat is older than this is treated as gone. */
  staleAfterMs: number;
  /**
   * Prefix affinity wins while the preferred replica's load is at most
   * `min load + max(affinityMaxExtra, min load × affinityMaxRatio)`.
   */
  affinityMaxExtra: number;
  affinityMaxRatio: number;
}

export const DEFAULT_ROUTER_POLICY: Readonly<RouterPolicy> = {
  staleAfterMs: 15_000,
  affinityMaxExtra: 2,
  affinityMaxRatio: 0.25,
};

export interface RouteRequest<R extends RoutableReplica> {
  replicas: readonly R[];
  /** Current time, epoch milliseconds. */
  now: number;
  /** Requests this gateway has sent to each replica and not finished (registry load lags). */
  inFlight?: ReadonlyMap<string, number>;
  /** Prefix affinity key (see affinity-key.ts); none = pure least-load. */
  affinityKey?: string;
  /** Replica ids not to use (e.g. one that just failed). */
  exclude?: ReadonlySet<string>;
}

/** Replicas that may take a request now: ready, fresh, not excluded. */
export function eligibleReplicas<R extends RoutableReplica>(request: RouteRequest<R>, policy: RouterPolicy): R[] {
  return request.replicas.filter(
    (replica) =>
      replica.ready &&
      request.now - replica.heartbeatAt <= policy.staleAfterMs &&
      !request.exclude?.has(replica.id),
  );
}

/** Outstanding work on a replica: its reported queue plus what we sent since. */
export function outstandingLoad(replica: RoutableReplica, inFlight?: ReadonlyMap<string, number>): number {
  return replica.running + replica.waiting + (inFlight?.get(replica.id) ?? 0);
}

function byLeastLoad(inFlight?: ReadonlyMap<string, number>) {
  return (a: RoutableReplica, b: RoutableReplica): number =>
    outstandingLoad(a, inFlight) - outstandingLoad(b, inFlight) ||
    a.kvUsage - b.kvUsage ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Picks the replica for a request, or undefined when none is eligible.
 * Least outstanding work wins (ties: lower KV usage, then id); with an affinity
 * key, the best-ranked rendezvous replica wins instead as long as its load is
 * close to the minimum, so shared prefixes keep hitting the same prefix cache.
 */
export function pickReplica<R extends RoutableReplica>(
  request: RouteRequest<R>,
  policy: RouterPolicy = DEFAULT_ROUTER_POLICY,
): R | undefined {
  const candidates = eligibleReplicas(request, policy).sort(byLeastLoad(request.inFlight));
  if (candidates.length === 0) return undefined;
  const leastLoaded = candidates[0];
  if (request.affinityKey === undefined || candidates.length === 1) return leastLoaded;

  const minLoad = outstandingLoad(leastLoaded, request.inFlight);
  const limit = minLoad + Math.max(policy.affinityMaxExtra, minLoad * policy.affinityMaxRatio);
  const byId = new Map(candidates.map((replica) => [replica.id, replica]));
  for (const id of rendezvousRank(request.affinityKey, [...byId.keys()])) {
    const replica = byId.get(id)!;
    if (outstandingLoad(replica, request.inFlight) <= limit) return replica;
  }
  return leastLoaded;
}
