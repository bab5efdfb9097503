// config.json of a Hugging Face causal LM -> validated hyper-parameters of the
// llama family. Missing or nonsensical values are reported here, before any
// output is created.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConvertError } from '../errors';

/** HF architecture name -> GGUF architecture and whether Q/K rows are permuted. */
export const SUPPORTED_ARCHITECTURES: Readonly<Record<string, { arch: 'llama' | 'qwen2'; permuteQK: boolean }>> = {
  LlamaForCausalLM: { arch: 'llama', permuteQK: true },
  MistralForCausalLM: { arch: 'llama', permuteQK: true },
  // Qwen2 uses NeoX-style RoPE (rotate-half, like HF), so its rows stay as they are.
  Qwen2ForCausalLM: { arch: 'qwen2', permuteQK: false },
};

export interface RopeScaling {
  readonly type: 'linear' | 'yarn' | 'longrope' | 'llama3';
  readonly factor?: number;
  readonly originalContextLength?: number;
  readonly lowFreqFactor?: number;
  readonly highFreqFactor?: number;
  readonly yarnExtFactor?: number;
  readonly yarnAttnFactor?: number;
  readonly yarnBetaFast?: number;
  readonly yarnBetaSlow?: number;
}

export interface LlamaHParams {
  readonly hfArchitecture: string;
  readonly arch: 'llama' | 'qwen2';
  readonly permuteQK: boolean;
  readonly nLayer: number;
  readonly nEmbd: number;
  readonly nFf: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly headDim: number;
  /** True when config.json states head_dim explicitly (then key/value_length are written). */
  readonly explicitHeadDim: boolean;
  readonly contextLength: number;
  readonly rmsEps: number;
  readonly ropeTheta?: number;
  readonly ropeScaling?: RopeScaling;
  readonly vocabSize: number;
  readonly tieWordEmbeddings: boolean;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  readonly padTokenId?: number;
}

type Json = Record<string, unknown>;

function badConfig(what: string): ConvertError {
  return new ConvertError('CONVERT_BAD_CONFIG', `config.json: ${what}`);
}

function posInt(cfg: Json, key: string, fallback?: number): number {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw badConfig(`"${key}" must be a positive integer (got ${JSON.stringify(cfg[key])})`);
  }
  return v;
}

function optNumber(obj: Json, key: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badConfig(`"${key}" must be a number (got ${JSON.stringify(v)})`);
  return v;
}

function optTokenId(cfg: Json, key: string): number | undefined {
  const v = cfg[key];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (Array.isArray(v) && typeof v[0] === 'number' && Number.isSafeInteger(v[0]) && v[0] >= 0) return v[0];
  return undefined;
}

function parseRopeScaling(cfg: Json): RopeScaling | undefined {
  const raw = cfg.rope_scaling;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badConfig('"rope_scaling" must be an object or null');
  const rs = raw as Json;
  const kind = String(rs.rope_type ?? rs.type ?? '').toLowerCase();
  const factor = optNumber(rs, 'factor');
  const orig = rs.original_max_position_embeddings ?? cfg.original_max_position_embeddings;
  const originalContextLength = typeof orig === 'number' ? orig : undefined;
  switch (kind) {
    case 'linear':
      if (factor === undefined) throw badConfig('linear "rope_scaling" needs a "factor"');
      return { type: 'linear', factor };
    case 'yarn':
      if (factor === undefined || originalContextLength === undefined) {
        throw badConfig('yarn "rope_scaling" needs "factor" and "original_max_position_embeddings"');
      }
      return {
        type: 'yarn',
        factor,
        originalContextLength,
        yarnExtFactor: optNumber(rs, 'extrapolation_factor'),
        yarnAttnFactor: optNumber(rs, 'attention_factor') ?? optNumber(rs, 'attn_factor'),
        yarnBetaFast: optNumber(rs, 'beta_fast'),
        yarnBetaSlow: optNumber(rs, 'beta_slow'),
      };
    case 'su':
    case 'longrope':
      return { type: 'longrope' };
    case 'llama3':
      return {
        type: 'llama3',
        factor: factor ?? 8,
        lowFreqFactor: optNumber(rs, 'low_freq_factor') ?? 1,
        highFreqFactor: optNumber(rs, 'high_freq_factor') ?? 4,
        originalContextLength: originalContextLength ?? 8192,
      };
    case 'default':
    case '':
      return undefined;
    default:
      throw badConfig(`unsupported rope_scaling type '${kind}' (supported: linear, yarn, longrope, llama3)`);
  }
}

/** Validates an already-parsed config.json object. */
export function parseLlamaConfig(cfg: Json): LlamaHParams {
  const archs = cfg.architectures;
  const hfArchitecture = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : undefined;
  if (!hfArchitecture) throw badConfig('"architectures" must list the model class, e.g. ["LlamaForCausalLM"]');
  const support = SUPPORTED_ARCHITECTURES[hfArchitecture];
  if (!support) {
    throw new ConvertError(
      'CONVERT_UNSUPPORTED_ARCH',
      `architecture '${hfArchitecture}' is not supported; supported: ${Object.keys(SUPPORTED_ARCHITECTURES).join(', ')}`,
    );
  }
  const nEmbd = posInt(cfg, 'hidden_size');
  const nHead = posInt(cfg, 'num_attention_heads');
  const nHeadKv = posInt(cfg, 'num_key_value_heads', nHead);
  const explicitHeadDim = cfg.head_dim !== undefined && cfg.head_dim !== null;
  if (!explicitHeadDim && nEmbd % nHead !== 0) throw badConfig(`hidden_size ${nEmbd} is not divisible by num_attention_heads ${nHead}`);
  const headDim = explicitHeadDim ? posInt(cfg, 'head_dim') : nEmbd / nHead;
  if (nHead % nHeadKv !== 0) throw badConfig(`num_attention_heads ${nHead} is not a multiple of num_key_value_heads ${nHeadKv}`);
  if (support.permuteQK && headDim % 2 !== 0) throw badConfig(`head dimension ${headDim} must be even for RoPE`);
  const rmsEps = optNumber(cfg, 'rms_norm_eps');
  if (rmsEps === undefined || rmsEps <= 0) throw badConfig('"rms_norm_eps" must be a positive number');
  const ropeTheta = optNumber(cfg, 'rope_theta');
  return {
    hfArchitecture,
    arch: support.arch,
    permuteQK: support.permuteQK,
    nLayer: posInt(cfg, 'num_hidden_layers'),
    nEmbd,
    nFf: posInt(cfg, 'intermediate_size'),
    nHead,
    nHeadKv,
    headDim,
    explicitHeadDim,
    contextLength: posInt(cfg, 'max_position_embeddings'),
    rmsEps,
    ropeTheta,
    ropeScaling: parseRopeScaling(cfg),
    vocabSize: posInt(cfg, 'vocab_size'),
    tieWordEmbeddings: cfg.tie_word_embeddings === true,
    bosTokenId: optTokenId(cfg, 'bos_token_id'),
    eosTokenId: optTokenId(cfg, 'eos_token_id'),
    padTokenId: optTokenId(cfg, 'pad_token_id'),
  };
}

export function readJsonFile(path: string, what: string): Json {
  if (!existsSync(path)) throw new ConvertError('CONVERT_MISSING_FILE', `${what} not found at ${path}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConvertError('CONVERT_BAD_CONFIG', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConvertError('CONVERT_BAD_CONFIG', `${path} must hold a JSON object`);
  }
  return parsed as Json;
}

/** Reads and validates `<dir>/config.json`. */
export function readLlamaConfig(dir: string): LlamaHParams {
  return parseLlamaConfig(readJsonFile(join(dir, 'config.json'), 'config.json (the model directory must hold one)'));
}
