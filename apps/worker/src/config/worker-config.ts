import { existsSync, statSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEFAULT_REGISTRY_PREFIX } from '@tessera/contracts';
import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';

/**
 * Everything the worker reads from its environment, parsed and validated once at
 * boot. Services receive this object; nothing else reads process.env.
 */
export class WorkerConfig {
  /** GGUF file of the served model (TESSERA_MODEL). */
  readonly modelPath!: string;
  /** Name clients ask for (TESSERA_MODEL_NAME; default the file name without .gguf). */
  readonly modelName!: string;
  /** Registry id (WORKER_ID; default host-pid-random). */
  readonly workerId!: string;
  /** gRPC bind address (WORKER_HOST, WORKER_PORT; port 0 picks a free one). */
  readonly host!: string;
  readonly port!: number;
  /** Host other processes use to reach this one (WORKER_ADVERTISE_HOST). */
  readonly advertiseHost!: string;
  readonly threads!: number;
  /** KV pool size in blocks; undefined lets the engine size it from maxSeqs × context. */
  readonly kvBlocks!: number | undefined;
  readonly blockSize!: number;
  readonly maxBatchedTokens!: number;
  readonly maxSeqs!: number;
  /** Cap on the model's context length (TESSERA_MAX_MODEL_LEN). */
  readonly maxModelLen!: number | undefined;
  /** CPU ranks the model is split over (TESSERA_TENSOR_PARALLEL; must divide its heads and FFN). */
  readonly tensorParallel!: number;
  /** No REDIS_URL: the worker runs standalone, registered nowhere. */
  readonly redisUrl!: string | undefined;
  readonly registryPrefix!: string;
  readonly heartbeatMs!: number;
  readonly ttlMs!: number;
  /** HTTP port for /metrics, /healthz, /readyz; 0 = no HTTP server. */
  readonly metricsPort!: number;
  readonly drainTimeoutMs!: number;
  /** Liveness fails after this long with work queued and no engine step. */
  readonly stallTimeoutMs!: number;

  private constructor(values: WorkerConfig) {
    Object.assign(this, values);
  }

  static fromEnv(env: Readonly<Record<string, string | undefined>>): WorkerConfig {
    const r = new EnvReader(env);
    const modelPath = r.required('TESSERA_MODEL', 'the path of the GGUF model file to serve');
    if (modelPath && (!existsSync(modelPath) || !statSync(modelPath).isFile())) r.problems.push(`TESSERA_MODEL: no file at ${modelPath}`);
    const host = r.string('WORKER_HOST') ?? '127.0.0.1';
    const wildcard = host === '0.0.0.0' || host === '::';
    const heartbeatMs = r.int('WORKER_HEARTBEAT_MS', 1000, 50, 60_000);
    const ttlMs = r.int('WORKER_TTL_MS', 3000, 100, 600_000);
    if (ttlMs <= heartbeatMs) r.problems.push(`WORKER_TTL_MS (${ttlMs}) must exceed WORKER_HEARTBEAT_MS (${heartbeatMs}), or a live worker would flicker out of the registry`);
    const tensorParallel = r.int('TESSERA_TENSOR_PARALLEL', 1, 1, 64);
    const redisUrl = r.string('REDIS_URL');
    if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) r.problems.push(`REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`);
    const modelName = r.string('TESSERA_MODEL_NAME') ?? basename(modelPath).replace(/\.gguf$/i, '');
    if (modelPath && !/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(modelName)) r.problems.push(`TESSERA_MODEL_NAME "${modelName}" may hold only letters, digits and . _ : / -`);

    const config = new WorkerConfig({
      modelPath,
      modelName,
      workerId: r.string('WORKER_ID') ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
      host,
      port: r.int('WORKER_PORT', 0, 0, 65535),
      advertiseHost: r.string('WORKER_ADVERTISE_HOST') ?? (wildcard ? hostname() : host),
      threads: r.int('TESSERA_THREADS', availableParallelism(), 1, 512),
      kvBlocks: r.optionalInt('TESSERA_KV_BLOCKS', 1, 1 << 24),
      blockSize: r.int('TESSERA_BLOCK_SIZE', 16, 1, 4096),
      maxBatchedTokens: r.int('TESSERA_MAX_BATCHED_TOKENS', 2048, 1, 1 << 20),
      maxSeqs: r.int('TESSERA_MAX_SEQS', 16, 1, 4096),
      maxModelLen: r.optionalInt('TESSERA_MAX_MODEL_LEN', 2, 1 << 24),
      tensorParallel,
      redisUrl,
      registryPrefix: r.string('REGISTRY_PREFIX') ?? DEFAULT_REGISTRY_PREFIX,
      heartbeatMs,
      ttlMs,
      metricsPort: r.int('METRICS_PORT', 0, 0, 65535),
      drainTimeoutMs: r.int('DRAIN_TIMEOUT_MS', 30_000, 0, 3_600_000),
      stallTimeoutMs: r.int('WORKER_STALL_MS', 30_000, 100, 3_600_000),
    } as WorkerConfig);
    if (r.problems.length > 0) throw new ConfigError(r.problems);
    return config;
  }

  /** host:port other processes dial, once the real port is known. */
  address(boundPort: number): string {
    const host = this.advertiseHost.includes(':') ? `[${this.advertiseHost}]` : this.advertiseHost;
    return `${host}:${boundPort}`;
  }
}
