// Hyper-parameters of a `llama` model, read with llama.cpp's key names, types
// and defaults (reference §2.1), so a file that loads here loads there too.

import { GGUFError } from './errors';
import { GGUFMetadata } from './metadata';
import { GGUFFile } from './parse-header';
import { GGUFValueType, valueTypeName } from './values';

export type RopeScalingType = 'none' | 'linear' | 'yarn' | 'longrope';

export interface LlamaHParams {
  architecture: 'llama';
  name?: string;
  contextLength: number;
  embeddingLength: number;
  blockCount: number;
  feedForwardLength: number;
  headCount: number;
  headCountKv: number;
  /** Per-head width of K (key_length; default embeddingLength / headCount). */
  keyLength: number;
  valueLength: number;
  /** Rotated dims per head; for llama it must equal keyLength. */
  ropeDimensionCount: number;
  ropeFreqBase: number;
  rmsEps: number;
  ropeScalingType: RopeScalingType;
  /** 0 when the file sets none. */
  ropeScalingFactor: number;
  ropeScalingOriginalContextLength?: number;
  vocabSize: number;
  expertCount: number;
  expertUsedCount: number;
  fileType?: number;
  quantizationVersion?: number;
}

const ROPE_SCALING_TYPES: readonly RopeScalingType[] = ['none', 'linear', 'yarn', 'longrope'];
/** llama.cpp's LLAMA_MAX_LAYERS. */
const MAX_LAYERS = 512;

export function readLlamaHParams(source: GGUFFile | GGUFMetadata): LlamaHParams {
  const kv = source instanceof GGUFMetadata ? source : source.kv;
  const arch = kv.getString('general.architecture');
  if (arch !== 'llama') bad(`general.architecture is '${arch}', expected 'llama'`);
  const k = (suffix: string) => `llama.${suffix}`;

  const blockCount = kv.getU32(k('block_count'));
  if (blockCount === 0 || blockCount > MAX_LAYERS) bad(`llama.block_count = ${blockCount} must be in [1, ${MAX_LAYERS}]`);
  const embeddingLength = kv.getU32(k('embedding_length'));
  const headCount = perLayerU32(kv, k('attention.head_count'), blockCount);
  const headCountKv = kv.has(k('attention.head_count_kv')) ? perLayerU32(kv, k('attention.head_count_kv'), blockCount) : headCount;
  if (headCount === 0 || headCountKv === 0 || headCount % headCountKv !== 0) {
    bad(`head_count ${headCount} must be a non-zero multiple of head_count_kv ${headCountKv}`);
  }
  if (!kv.has(k('attention.key_length')) && embeddingLength % headCount !== 0) {
    bad(`embedding_length ${embeddingLength} is not divisible by head_count ${headCount}; set llama.attention.key_length`);
  }
  const keyLength = kv.optU32(k('attention.key_length')) ?? embeddingLength / headCount;
  const valueLength = kv.optU32(k('attention.value_length')) ?? embeddingLength / headCount;
  const ropeDimensionCount = kv.optU32(k('rope.dimension_count')) ?? keyLength;
  if (ropeDimensionCount !== keyLength) bad(`llama.rope.dimension_count ${ropeDimensionCount} must equal the head dimension ${keyLength}`);

  const scaling = kv.optString(k('rope.scaling.type')) ?? 'linear';
  if (!ROPE_SCALING_TYPES.includes(scaling as RopeScalingType)) {
    bad(`llama.rope.scaling.type '${scaling}' is not one of ${ROPE_SCALING_TYPES.join(', ')}`);
  }

  return {
    architecture: 'llama',
    name: kv.optString('general.name'),
    contextLength: kv.getU32(k('context_length')),
    embeddingLength,
    blockCount,
    feedForwardLength: perLayerU32(kv, k('feed_forward_length'), blockCount),
    headCount,
    headCountKv,
    keyLength,
    valueLength,
    ropeDimensionCount,
    ropeFreqBase: kv.optF32(k('rope.freq_base')) ?? 10000,
    rmsEps: kv.getF32(k('attention.layer_norm_rms_epsilon')),
    ropeScalingType: scaling as RopeScalingType,
    ropeScalingFactor: kv.optF32(k('rope.scaling.factor')) ?? kv.optF32(k('rope.scale_linear')) ?? 0,
    ropeScalingOriginalContextLength: kv.optU32(k('rope.scaling.original_context_length')),
    vocabSize: vocabSize(source, kv),
    expertCount: kv.optU32(k('expert_count')) ?? 0,
    expertUsedCount: kv.optU32(k('expert_used_count')) ?? 0,
    fileType: kv.optU32('general.file_type'),
    quantizationVersion: kv.optU32('general.quantization_version'),
  };
}

/**
 * A UINT32, or an INT32/UINT32 array with one entry per layer. Our engine runs
 * uniform layers only, so per-layer arrays must hold one repeated value.
 */
function perLayerU32(kv: GGUFMetadata, key: string, blockCount: number): number {
  const v = kv.get(key);
  if (v?.type !== GGUFValueType.ARRAY) return kv.getU32(key);
  if (v.elemType !== GGUFValueType.UINT32 && v.elemType !== GGUFValueType.INT32) {
    throw new GGUFError('EWRONGTYPE', -1, `metadata key '${key}' is an ARRAY of ${valueTypeName(v.elemType)}, expected UINT32 or an INT32/UINT32 array`);
  }
  const values = v.value as number[];
  if (values.length !== blockCount) bad(`'${key}' has ${values.length} entries for ${blockCount} layers`);
  if (values.some((x) => x !== values[0] || x < 0)) bad(`'${key}' differs between layers [${values.join(', ')}]; only uniform layers are supported`);
  return values[0];
}

/** n_vocab: the token list's length as llama.cpp uses it, else llama.vocab_size, else token_embd's rows. */
function vocabSize(source: GGUFFile | GGUFMetadata, kv: GGUFMetadata): number {
  if (kv.has('tokenizer.ggml.tokens')) return kv.getStringArray('tokenizer.ggml.tokens').length;
  const declared = kv.optU32('llama.vocab_size');
  if (declared !== undefined) return declared;
  const embd = source instanceof GGUFMetadata ? undefined : source.tensorsByName.get('token_embd.weight');
  if (embd && embd.dims.length >= 2) return embd.dims[1];
  throw new GGUFError('EMISSINGKEY', -1, "vocabulary size unknown: the file has neither 'tokenizer.ggml.tokens' nor 'llama.vocab_size' (re-convert the model)");
}

function bad(what: string): never {
  throw new GGUFError('EBADHPARAMS', -1, `invalid llama hyper-parameters: ${what}; fix the converter's config or re-convert the model`);
}
