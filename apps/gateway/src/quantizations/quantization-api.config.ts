// The gateway's settings for quantization jobs and the model store, read from
// the environment once at boot (as part of GatewayConfig). Without
// TESSERA_STORE_DIR the gateway still serves inference; the job and stored-model
// routes then answer 503 saying what to set.

import { isAbsolute } from 'node:path';
import { DEFAULT_QUANT_QUEUE_PREFIX } from '@tessera/contracts';

export interface QuantizationApiConfig {
  /** Model store root shared with the quantizers (TESSERA_STORE_DIR). */
  readonly storeDir?: string;
  /** Directory `file:` sources may name (TESSERA_IMPORT_DIR); unset: file: sources are refused. */
  readonly importDir?: string;
  /** Largest model upload accepted, bytes (UPLOAD_LIMIT_BYTES). */
  readonly uploadLimitBytes: number;
  /** BullMQ key prefix shared with the quantizers (QUANT_QUEUE_PREFIX). */
  readonly queuePrefix: string;
}

export class QuantizationConfigError extends Error {
  readonly code = 'EGATEWAYCONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'QuantizationConfigError';
  }
}

const DEFAULT_UPLOAD_LIMIT = 64 * 2 ** 30;

export function loadQuantizationApiConfig(env: Readonly<Record<string, string | undefined>>): QuantizationApiConfig {
  const dir = (name: string): string | undefined => {
    const value = env[name] || undefined;
    if (value !== undefined && !isAbsolute(value)) throw new QuantizationConfigError(`${name}=${JSON.stringify(value)} must be an absolute directory.`);
    return value;
  };
  const rawLimit = env.UPLOAD_LIMIT_BYTES;
  const uploadLimitBytes = rawLimit === undefined || rawLimit.trim() === '' ? DEFAULT_UPLOAD_LIMIT : Number(rawLimit);
  if (!Number.isSafeInteger(uploadLimitBytes) || uploadLimitBytes < 1) {
    throw new QuantizationConfigError(`UPLOAD_LIMIT_BYTES=${JSON.stringify(rawLimit)} is invalid: expected a positive integer (bytes).`);
  }
  return { storeDir: dir('TESSERA_STORE_DIR'), importDir: dir('TESSERA_IMPORT_DIR'), uploadLimitBytes, queuePrefix: env.QUANT_QUEUE_PREFIX || DEFAULT_QUANT_QUEUE_PREFIX };
}
