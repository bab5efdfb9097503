// Everything the quantizer reads from its environment, parsed and validated
// once at boot; services receive this object and never read process.env.

import { isAbsolute } from 'node:path';
import { DEFAULT_QUANT_QUEUE_PREFIX } from '@tessera/contracts';
import { redisOptions } from './redis-options';

export class QuantizerConfigError extends Error {
  readonly code = 'EQUANTIZERCONFIG';
  constructor(problems: string[]) {
    super(`the quantizer's configuration is invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'QuantizerConfigError';
  }
}

export interface QuantizerConfig {
  readonly redisUrl: string;
  /** BullMQ key prefix shared with the gateway (QUANT_QUEUE_PREFIX). */
  readonly queuePrefix: string;
  /** Model store root (TESSERA_STORE_DIR). */
  readonly storeDir: string;
  /** Directory `file:` sources may name (TESSERA_IMPORT_DIR); unset: file: sources are refused. */
  readonly importDir?: string;
  readonly hfEndpoint: string;
  readonly hfToken?: string;
  /** Largest hub download accepted, bytes (HF_MAX_BYTES). */
  readonly hfMaxBytes: number;
  /** Jobs each worker runs at once, per queue (QUANT_CONCURRENCY). */
  readonly concurrency: number;
  /** Native threads per quantization / evaluation (QUANT_THREADS). */
  readonly threads: number;
  /** BullMQ lock duration and stalled-check interval, ms: how fast a killed worker's job is picked up again. */
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  /** On SIGTERM, how long running jobs may take to finish before they are stopped and put back in the queue (QUANT_SHUTDOWN_GRACE_MS). */
  readonly shutdownGraceMs: number;
  /** Evaluation context size (tokens per chunk) and number of chunks. */
  readonly evalContext: number;
  readonly evalChunks: number;
  /** Tokens generated to measure generation speed. */
  readonly evalGenTokens: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadQuantizerConfig(env: Env): QuantizerConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
    return v;
  };
  const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must start with redis:// or rediss://');
  else {
    try {
      redisOptions(redisUrl);
    } catch (err) {
      problems.push(`REDIS_URL=${JSON.stringify(redisUrl)}: ${(err as Error).message}`);
    }
  }
  const storeDir = env.TESSERA_STORE_DIR ?? '';
  if (!storeDir || !isAbsolute(storeDir)) problems.push('TESSERA_STORE_DIR must be set to an absolute directory (the model store root)');
  const importDir = env.TESSERA_IMPORT_DIR || undefined;
  if (importDir && !isAbsolute(importDir)) problems.push('TESSERA_IMPORT_DIR must be an absolute directory');
  const hfEndpoint = env.HF_ENDPOINT || 'https://huggingface.co';
  if (!/^https?:\/\//.test(hfEndpoint)) problems.push('HF_ENDPOINT must be an http(s) URL');
  const config: QuantizerConfig = {
    redisUrl,
    queuePrefix: env.QUANT_QUEUE_PREFIX || DEFAULT_QUANT_QUEUE_PREFIX,
    storeDir,
    importDir,
    hfEndpoint,
    hfToken: env.HF_TOKEN || undefined,
    hfMaxBytes: int('HF_MAX_BYTES', 64 * 2 ** 30, 1, Number.MAX_SAFE_INTEGER),
    concurrency: int('QUANT_CONCURRENCY', 1, 1, 64),
    threads: int('QUANT_THREADS', 2, 1, 512),
    lockDurationMs: int('QUANT_LOCK_MS', 30_000, 500, 3_600_000),
    stalledIntervalMs: int('QUANT_STALLED_MS', 30_000, 200, 3_600_000),
    // Below Kubernetes' default 30 s termination grace period, so the job is returned before SIGKILL.
    shutdownGraceMs: int('QUANT_SHUTDOWN_GRACE_MS', 25_000, 0, 3_600_000),
    evalContext: int('QUANT_EVAL_CTX', 128, 16, 8192),
    evalChunks: int('QUANT_EVAL_CHUNKS', 4, 1, 1000),
    evalGenTokens: int('QUANT_EVAL_GEN_TOKENS', 32, 1, 4096),
  };
  if (problems.length > 0) throw new QuantizerConfigError(problems);
  return config;
}

/** DI token of the config. */
export const QUANTIZER_CONFIG = Symbol('QUANTIZER_CONFIG');
