import { rendezvousRank } from './rendezvous-hash';
import { DEFAULT_ROUTER_POLICY, eligibleReplicas, outstandingLoad, pickReplica, RoutableReplica, RouterPolicy } from './replica-router';

const NOW = 1_000_000;
const policy: RouterPolicy = { staleAfterMs: 10_000, affinityMaxExtra: 2, affinityMaxRatio: 0.25 };

function replica(id: string, over: Partial<RoutableReplica> = {}): RoutableReplica {
  return { id, ready: true, running: 0, waiting: 0, kvUsage: 0, heartbeatAt: NOW, ...over };
}

describe('eligibleReplicas', () => {
  it('drops not-ready, stale and excluded replicas', () => {
    const replicas = [
      replica('ok'),
      replica('not-ready', { ready: false }),
      replica('stale', { heartbeatAt: NOW - 10_001 }),
      replica('just-fresh', { heartbeatAt: NOW - 10_000 }),
      replica('excluded'),
    ];
    const ids = eligibleReplicas({ replicas, now: NOW, exclude: new Set(['excluded']) }, policy).map((r) => r.id);
    expect(ids).toEqual(['ok', 'just-fresh']);
  });
});

describe('outstandingLoad', () => {
  it('adds running, waiting and our own in-flight count', () => {
    expect(outstandingLoad(replica('a', { running: 3, waiting: 2 }), new Map([['a', 4]]))).toBe(9);
    expect(outstandingLoad(replica('a', { running: 3 }))).toBe(3);
  });
});

describe('pickReplica without affinity', () => {
  it('returns undefined when nothing is eligible', () => {
    expect(pickReplica({ replicas: [], now: NOW }, policy)).toBeUndefined();
    expect(pickReplica({ replicas: [replica('a', { ready: false })], now: NOW }, policy)).toBeUndefined();
    expect(pickReplica({ replicas: [replica('a')], now: NOW, exclude: new Set(['a']) }, policy)).toBeUndefined();
  });

  it('picks the least outstanding work', () => {
    const replicas = [replica('a', { running: 5 }), replica('b', { running: 1, waiting: 1 }), replica('c', { waiting: 3 })];
    expect(pickReplica({ replicas, now: NOW }, policy)?.id).toBe('b');
  });

  it('counts the gateway in-flight requests', () => {
    const replicas = [replica('a', { running: 1 }), replica('b', { running: 0 })];
    expect(pickReplica({ replicas, now: NOW }, policy)?.id).toBe('b');
    expect(pickReplica({ replicas, now: NOW, inFlight: new Map([['b', 2]]) }, policy)?.id).toBe('a');
  });

  it('breaks load ties by lower KV usage, then by id', () => {
    const replicas = [replica('a', { running: 1, kvUsage: 0.9 }), replica('b', { running: 1, kvUsage: 0.2 })];
    expect(pickReplica({ replicas, now: NOW }, policy)?.id).toBe('b');
    expect(pickReplica({ replicas: [replica('z'), replica('m')], now: NOW }, policy)?.id).toBe('m');
  });

  it('skips the least-loaded replica when it is excluded, stale or not ready', () => {
    const replicas = [
      replica('idle-excluded'),
      replica('idle-stale', { heartbeatAt: NOW - 60_000 }),
      replica('idle-starting', { ready: false }),
      replica('busy', { running: 7 }),
    ];
    expect(pickReplica({ replicas, now: NOW, exclude: new Set(['idle-excluded']) }, policy)?.id).toBe('busy');
  });
});

describe('pickReplica with prefix affinity', () => {
  const ids = ['r1', 'r2', 'r3'];
  // A key whose preferred replica is not the alphabetical first, so affinity is visible.
  const key = Array.from({ length: 100 }, (_, i) => `prompt ${i}`).find((k) => rendezvousRank(k, ids)[0] === 'r3')!;

  it('prefers the rendezvous replica when loads are equal', () => {
    const replicas = ids.map((id) => replica(id));
    expect(pickReplica({ replicas, now: NOW, affinityKey: key }, policy)?.id).toBe('r3');
  });

  it('keeps the preferred replica while its load is within the threshold', () => {
    const replicas = [replica('r1'), replica('r2'), replica('r3', { running: 2 })];
    expect(pickReplica({ replicas, now: NOW, affinityKey: key }, policy)?.id).toBe('r3');
  });

  it('leaves the preferred replica when it is much busier', () => {
    const replicas = [replica('r1', { running: 1 }), replica('r2', { running: 4 }), replica('r3', { running: 4 })];
    // min 1, limit 1 + max(2, 0.25) = 3: r3 (4) is too busy; its runner-up in rank order may take it if within limit.
    const picked = pickReplica({ replicas, now: NOW, affinityKey: key }, policy)!;
    expect(picked.id).toBe('r1');
  });

  it('falls back to the next rendezvous replica within the threshold', () => {
    const second = rendezvousRank(key, ids)[1];
    const replicas = ids.map((id) => replica(id, { running: id === 'r3' ? 10 : id === second ? 1 : 0 }));
    expect(pickReplica({ replicas, now: NOW, affinityKey: key }, policy)?.id).toBe(second);
  });

  it('scales the threshold with load through the ratio', () => {
    const replicas = [replica('r1', { running: 40 }), replica('r2', { running: 40 }), replica('r3', { running: 49 })];
    // min 40 → limit 40 + max(2, 10) = 50: r3 still wins; at 51 it would not.
    expect(pickReplica({ replicas, now: NOW, affinityKey: key }, policy)?.id).toBe('r3');
    replicas[2] = replica('r3', { running: 51 });
    expect(pickReplica({ replicas, now: NOW, affinityKey: key }, policy)?.id).not.toBe('r3');
  });

  it('gives the same answer for the same key and state', () => {
    const replicas = ids.map((id) => replica(id));
    const picks = new Set(Array.from({ length: 10 }, () => pickReplica({ replicas, now: NOW, affinityKey: key }, policy)?.id));
    expect(picks.size).toBe(1);
  });

  it('never picks an ineligible preferred replica', () => {
    const replicas = [replica('r1'), replica('r2'), replica('r3', { ready: false })];
    expect(pickReplica({ replicas, now: NOW, affinityKey: key }, policy)?.id).not.toBe('r3');
    expect(pickReplica({ replicas: ids.map((id) => replica(id)), now: NOW, affinityKey: key, exclude: new Set(['r3']) }, policy)?.id).not.toBe('r3');
  });

  it('uses the default policy when none is given', () => {
    expect(DEFAULT_ROUTER_POLICY.staleAfterMs).toBeGreaterThan(0);
    expect(pickReplica({ replicas: [replica('only')], now: NOW, affinityKey: key })?.id).toBe('only');
  });
});
