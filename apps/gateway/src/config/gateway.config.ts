import { DEFAULT_REGISTRY_PREFIX } from '@tessera/contracts';
import { QuantizationApiConfig, loadQuantizationApiConfig } from '../quantizations/quantization-api.config';

/** Gateway settings, read from the environment once at boot and validated. */
export interface GatewayConfig {
  port: number;
  host: string;
  redisUrl: string;
  /** Plaintext bootstrap admin key; only its hash is stored. */
  adminKey?: string;
  bodyLimitBytes: number;
  defaultRequestsPerMinute: number;
  defaultTokensPerMinute: number;
  /** Requests a team may have running on one model at once. */
  defaultMaxConcurrent: number;
  /** Requests a team may have waiting for a slot on one model. */
  defaultMaxWaiting: number;
  queueWaitTimeoutMs: number;
  /** A replica whose heartbeat is older than this is treated as gone. */
  replicaStaleMs: number;
  /** Period of the registry snapshot's re-reads (a request never routes on one older than twice this); 0 = read per request. */
  registryCacheMs: number;
  /** Characters of the prompt that decide prefix affinity. */
  affinityChars: number;
  /** Key prefix of the worker registry (see libs/contracts registry.ts). */
  registryPrefix: string;
  /** Quantization jobs and the model store (see quantizations/quantization-api.config.ts). */
  quantization: QuantizationApiConfig;
}

export class ConfigError extends Error {
  readonly code = 'EGATEWAYCONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: expected an integer from ${min} to ${max}.`);
  }
  return value;
}

function adminKey(env: Env): string | undefined {
  const key = env.TESSERA_ADMIN_KEY;
  if (key === undefined || key === '') return undefined;
  if (!/^tsk-[A-Za-z0-9_-]{16,}$/.test(key)) {
    throw new ConfigError('TESSERA_ADMIN_KEY must look like "tsk-" followed by at least 16 letters, digits, "-" or "_".');
  }
  return key;
}

function redisUrl(env: Env): string {
  const url = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(url)) throw new ConfigError(`REDIS_URL must start with redis:// or rediss:// (got a value starting ${JSON.stringify(url.slice(0, 8))}).`);
  return url;
}

/** Parses and validates the gateway's environment; throws ConfigError naming the bad variable. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    redisUrl: redisUrl(env),
    adminKey: adminKey(env),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 4 * 1024 * 1024, 1024),
    defaultRequestsPerMinute: integer(env, 'RATE_LIMIT_RPM', 600, 1),
    defaultTokensPerMinute: integer(env, 'RATE_LIMIT_TPM', 1_000_000, 1),
    defaultMaxConcurrent: integer(env, 'QUEUE_MAX_CONCURRENT', 32, 1),
    defaultMaxWaiting: integer(env, 'QUEUE_MAX_WAITING', 128, 0),
    queueWaitTimeoutMs: integer(env, 'QUEUE_WAIT_TIMEOUT_MS', 60_000, 1),
    replicaStaleMs: integer(env, 'REPLICA_STALE_MS', 15_000, 100),
    registryCacheMs: integer(env, 'REGISTRY_CACHE_MS', 500, 0),
    affinityChars: integer(env, 'ROUTER_AFFINITY_CHARS', 256, 1),
    registryPrefix: env.REGISTRY_PREFIX || DEFAULT_REGISTRY_PREFIX,
    quantization: loadQuantizationApiConfig(env),
  };
}

/** DI token for the config object. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
