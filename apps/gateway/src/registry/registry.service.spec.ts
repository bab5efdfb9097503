import { GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { REGISTRY_IDLE_MS, RegistryService } from './registry.service';
import { ReplicaRecord, ReplicaRegistry } from './replica-record';

const CACHE_MS = 500;
const STALE_MS = 15_000;

class ManualClock extends Clock {
  at = 1_000_000;
  now(): number {
    return this.at;
  }
}

/** The registry in Redis, as a list the test edits; counts reads. */
class ScriptedRegistry extends ReplicaRegistry {
  replicas: ReplicaRecord[] = [];
  reads = 0;
  failing = false;
  async list(): Promise<ReplicaRecord[]> {
    this.reads++;
    if (this.failing) throw new Error('ECONNREFUSED');
    return this.replicas.map((r) => ({ ...r }));
  }
}

const replica = (id: string, heartbeatAt: number, model = 'm'): ReplicaRecord => ({
  id,
  address: `127.0.0.1:${id.length}`,
  model,
  ready: true,
  running: 0,
  waiting: 0,
  kvUsage: 0,
  heartbeatAt,
});

const ids = (replicas: ReplicaRecord[]) => replicas.map((r) => r.id).sort();

describe('RegistryService (routing from an in-memory snapshot)', () => {
  let clock: ManualClock;
  let redis: ScriptedRegistry;
  let registry: RegistryService;

  /** Moves the clock and the timers together, letting the reads they start finish. */
  async function advance(ms: number): Promise<void> {
    clock.at += ms;
    await jest.advanceTimersByTimeAsync(ms);
  }

  function start(cacheMs = CACHE_MS): RegistryService {
    const config = { registryCacheMs: cacheMs, replicaStaleMs: STALE_MS } as GatewayConfig;
    registry = new RegistryService(config, redis, clock);
    registry.onApplicationBootstrap();
    return registry;
  }

  beforeEach(() => {
    jest.useFakeTimers();
    clock = new ManualClock();
    redis = new ScriptedRegistry();
    redis.replicas = [replica('a', clock.at), replica('b', clock.at)];
  });
  afterEach(() => {
    registry.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('answers requests from the snapshot, which a timer re-reads every registryCacheMs', async () => {
    start();
    await advance(0);
    expect(redis.reads).toBe(1);
    for (let i = 0; i < 50; i++) expect(ids(await registry.replicasOf('m'))).toEqual(['a', 'b']);
    expect(redis.reads).toBe(1);
    await advance(CACHE_MS);
    expect(redis.reads).toBe(2);
  });

  it('drops a worker that left the registry within registryCacheMs plus one read, and shows a new one as soon', async () => {
    start();
    await advance(0);
    redis.replicas = [replica('b', clock.at), replica('c', clock.at)];
    expect(ids(await registry.replicasOf('m'))).toEqual(['a', 'b']);
    await advance(CACHE_MS);
    expect(ids(await registry.replicasOf('m'))).toEqual(['b', 'c']);
  });

  it('ignores a replica whose heartbeat stopped once it is replicaStaleMs old, though the registry still lists it', async () => {
    start();
    await advance(0);
    const crashedAt = clock.at;
    await advance(STALE_MS - CACHE_MS);
    redis.replicas = [replica('a', crashedAt), replica('b', clock.at)];
    await advance(CACHE_MS);
    expect(ids(await registry.replicasOf('m'))).toEqual(['a', 'b']);
    clock.at += 1;
    expect(ids(await registry.replicasOf('m'))).toEqual(['b']);
  });

  it('routes on the last snapshot while reads fail, for at most twice registryCacheMs', async () => {
    start();
    await advance(0);
    redis.failing = true;
    await advance(CACHE_MS);
    expect(ids(await registry.replicasOf('m'))).toEqual(['a', 'b']);
    const readsBefore = redis.reads;
    await advance(CACHE_MS + 1);
    await expect(registry.replicasOf('m')).rejects.toThrow('ECONNREFUSED');
    expect(redis.reads).toBeGreaterThan(readsBefore);
  });

  it('does not route to a replica that failed a call until it heartbeats after the failure; the model still exists', async () => {
    start();
    await advance(0);
    registry.markFailed({ id: 'a' });
    expect(ids(await registry.routableReplicasOf('m'))).toEqual(['b']);
    expect(ids(await registry.replicasOf('m'))).toEqual(['a', 'b']);
    // A read that still shows the heartbeat from before the failure changes nothing.
    await advance(CACHE_MS);
    expect(ids(await registry.routableReplicasOf('m'))).toEqual(['b']);
    // It heartbeats again (it was a blip): back in routing with the next read.
    redis.replicas = [replica('a', clock.at + 1), replica('b', clock.at)];
    await advance(CACHE_MS);
    expect(ids(await registry.routableReplicasOf('m'))).toEqual(['a', 'b']);
  });

  it('stops reading after REGISTRY_IDLE_MS without requests; the next request reads and the timer resumes', async () => {
    start();
    await advance(0);
    for (let t = 0; t < REGISTRY_IDLE_MS; t += CACHE_MS) await advance(CACHE_MS);
    const reads = redis.reads;
    await advance(10 * CACHE_MS);
    expect(redis.reads).toBe(reads);
    redis.replicas = [replica('c', clock.at)];
    expect(ids(await registry.replicasOf('m'))).toEqual(['c']);
    expect(redis.reads).toBe(reads + 1);
    await advance(CACHE_MS);
    expect(redis.reads).toBe(reads + 2);
  });

  it('with registryCacheMs 0 reads Redis for every request and runs no timer', async () => {
    start(0);
    await registry.replicasOf('m');
    await registry.replicasOf('m');
    expect(redis.reads).toBe(2);
    await advance(10 * CACHE_MS);
    expect(redis.reads).toBe(2);
  });
});
