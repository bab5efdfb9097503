import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { WorkerConfig } from './worker-config';

const dir = mkdtempSync(join(tmpdir(), 'worker-config-'));
const model = join(dir, 'tiny-chat.gguf');
writeFileSync(model, 'GGUF');

function problems(env: Record<string, string>): string[] {
  try {
    WorkerConfig.fromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('WorkerConfig.fromEnv', () => {
  it('fills defaults from the model path alone', () => {
    const c = WorkerConfig.fromEnv({ TESSERA_MODEL: model });
    expect(c.modelName).toBe('tiny-chat');
    expect(c).toMatchObject({ host: '127.0.0.1', port: 0, heartbeatMs: 1000, ttlMs: 3000, tensorParallel: 1, metricsPort: 0, redisUrl: undefined, kvBlocks: undefined });
    expect(c.address(50051)).toBe('127.0.0.1:50051');
  });

  it('reads every value it is given', () => {
    const c = WorkerConfig.fromEnv({
      TESSERA_MODEL: model,
      TESSERA_MODEL_NAME: 'served',
      WORKER_ID: 'w-7',
      WORKER_HOST: '0.0.0.0',
      WORKER_ADVERTISE_HOST: '10.0.0.5',
      WORKER_PORT: '7001',
      TESSERA_THREADS: '3',
      TESSERA_KV_BLOCKS: '128',
      TESSERA_BLOCK_SIZE: '32',
      TESSERA_MAX_BATCHED_TOKENS: '512',
      TESSERA_MAX_SEQS: '4',
      REDIS_URL: 'redis://127.0.0.1:6380',
      WORKER_HEARTBEAT_MS: '200',
      WORKER_TTL_MS: '900',
      METRICS_PORT: '9100',
      DRAIN_TIMEOUT_MS: '5000',
    });
    expect(c).toMatchObject({ modelName: 'served', workerId: 'w-7', port: 7001, threads: 3, kvBlocks: 128, blockSize: 32, maxBatchedTokens: 512, maxSeqs: 4 });
    expect(c).toMatchObject({ redisUrl: 'redis://127.0.0.1:6380', heartbeatMs: 200, ttlMs: 900, metricsPort: 9100, drainTimeoutMs: 5000 });
    expect(c.address(7001)).toBe('10.0.0.5:7001');
  });

  it('reports every problem at once', () => {
    const found = problems({ WORKER_PORT: '70000', TESSERA_THREADS: 'two', REDIS_URL: 'localhost:6379' });
    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(/TESSERA_MODEL is required/);
    expect(found.join('\n')).toMatch(/WORKER_PORT must be an integer in \[0, 65535\], got "70000"/);
    expect(found.join('\n')).toMatch(/TESSERA_THREADS/);
    expect(found.join('\n')).toMatch(/REDIS_URL must start with redis:\/\//);
  });

  it('rejects a missing model file, a bad tensor-parallel count and a TTL not above the heartbeat', () => {
    expect(problems({ TESSERA_MODEL: join(dir, 'absent.gguf') })).toEqual([`TESSERA_MODEL: no file at ${join(dir, 'absent.gguf')}`]);
    expect(WorkerConfig.fromEnv({ TESSERA_MODEL: model, TESSERA_TENSOR_PARALLEL: '2' }).tensorParallel).toBe(2);
    expect(problems({ TESSERA_MODEL: model, TESSERA_TENSOR_PARALLEL: '0' })[0]).toMatch(/TESSERA_TENSOR_PARALLEL must be an integer in \[1, 64\]/);
    expect(problems({ TESSERA_MODEL: model, WORKER_HEARTBEAT_MS: '1000', WORKER_TTL_MS: '1000' })[0]).toMatch(/must exceed WORKER_HEARTBEAT_MS/);
  });
});
