// Which ggml type each tensor of a model gets under a preset: llama-quantize's
// selection for dense llama-family models (src/llama-quant.cpp,
// llama_tensor_get_type and friends), as one pure function over the tensor list.
//
// The mixes bump the tensors that hurt most when squeezed (output, attn_v,
// ffn_down, attn_output) to more bits, some only in a subset of the layers, and
// fall back to a block-32 type when a row does not split into 256-wide blocks.

import { GGMLType, typeTraits } from '@tessera/native';
import { QuantError } from './errors';
import { LlamaFileType, QuantPreset, getPreset } from './presets';
import { TensorCategory, tensorAllowsQuantization, tensorCategory } from './tensor-category';
import { layerOfTensorName, sortByTensorName } from './tensor-order';

/** The hyper-parameters the rules look at. */
export interface QuantModelInfo {
  /** `general.architecture`, e.g. "llama". */
  readonly arch: string;
  /** `<arch>.block_count`. */
  readonly blockCount: number;
  /** `<arch>.attention.head_count` (of layer 0). */
  readonly headCount: number;
  /** `<arch>.attention.head_count_kv` (of layer 0). */
  readonly headCountKv: number;
  /** `<arch>.expert_count`; 0 for dense models. */
  readonly expertCount?: number;
}

export interface TypeRuleOptions {
  /** An importance matrix will be used (changes some ffn_down choices). */
  readonly imatrix?: boolean;
  /** No mix: every quantizable tensor gets the preset's default type (fallbacks still apply). */
  readonly pure?: boolean;
  /** Keep output.weight in its input type. */
  readonly leaveOutputTensor?: boolean;
  /** Force the type of output.weight. */
  readonly outputTensorType?: GGMLType;
  /** Force the type of token_embd.weight. */
  readonly tokenEmbeddingType?: GGMLType;
  /** Allow tensors that are already quantized to be quantized to another type. */
  readonly allowRequantize?: boolean;
  /** Manual types by tensor-name regex (llama-quantize --tensor-type); the first match wins over the mix. */
  readonly tensorTypeOverrides?: readonly TensorTypeOverride[];
}

export interface TensorTypeOverride {
  /** Searched anywhere in the name, like std::regex_search. */
  readonly pattern: string | RegExp;
  readonly type: GGMLType;
}

export interface TensorDescriptor {
  readonly name: string;
  /** ne[0] first: dims[0] is the row length. */
  readonly dims: readonly number[];
  readonly type: GGMLType;
}

export interface PlannedTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly fromType: GGMLType;
  readonly toType: GGMLType;
  /** False for tensors that always keep their type (norms, 1-D tensors, ...). */
  readonly quantizable: boolean;
}

/** True when a type stores blocks (every quantized type), false for F32/F16/BF16 and integers. */
export function isQuantizedType(type: GGMLType): boolean {
  return typeTraits(type).blockSize > 1;
}

/** The layers that get more bits in the *_M mixes: the first and last eighth, and every third in between. */
export function useMoreBits(layer: number, nLayers: number): boolean {
  const eighth = Math.trunc(nLayers / 8);
  return layer < eighth || layer >= Math.trunc((7 * nLayers) / 8) || (layer - eighth) % 3 === 2;
}

/**
 * A type whose block divides a row of `rowLength` elements, for a `type` whose
 * block does not: K-quants step down to the block-32 type of similar size, and
 * when even 32 does not divide the row, F16.
 */
export function fallbackType(type: GGMLType, rowLength: number): GGMLType {
  if (rowLength % typeTraits(type).blockSize === 0) return type;
  const replacement = FALLBACKS.get(type);
  if (replacement === undefined) {
    throw new QuantError(
      'QUANT_NO_FALLBACK',
      `rows of ${rowLength} elements do not fit ${typeTraits(type).name} blocks and that type has no fallback; ` +
        'choose another output/token-embedding type or a preset with block size 32',
    );
  }
  return rowLength % typeTraits(replacement).blockSize === 0 ? replacement : GGMLType.F16;
}

const FALLBACKS = new Map<GGMLType, GGMLType>([
  [GGMLType.IQ1_S, GGMLType.IQ4_NL],
  [GGMLType.IQ1_M, GGMLType.IQ4_NL],
  [GGMLType.IQ2_XXS, GGMLType.IQ4_NL],
  [GGMLType.IQ2_XS, GGMLType.IQ4_NL],
  [GGMLType.IQ2_S, GGMLType.IQ4_NL],
  [GGMLType.IQ3_XXS, GGMLType.IQ4_NL],
  [GGMLType.IQ3_S, GGMLType.IQ4_NL],
  [GGMLType.IQ4_XS, GGMLType.IQ4_NL],
  [GGMLType.Q2_0, GGMLType.Q4_0],
  [GGMLType.Q2_K, GGMLType.Q4_0],
  [GGMLType.Q3_K, GGMLType.Q4_0],
  [GGMLType.TQ1_0, GGMLType.Q4_0],
  [GGMLType.TQ2_0, GGMLType.Q4_0],
  [GGMLType.Q4_K, GGMLType.Q5_0],
  [GGMLType.Q5_K, GGMLType.Q5_1],
  [GGMLType.Q6_K, GGMLType.Q8_0],
]);

/**
 * The target type of every tensor, in the order llama-quantize writes them
 * (which is also the order its per-layer counters advance in).
 */
export function planTensorTypes(
  tensors: readonly TensorDescriptor[],
  model: QuantModelInfo,
  preset: QuantPreset | string,
  options: TypeRuleOptions = {},
): PlannedTensor[] {
  const p = typeof preset === 'string' ? getPreset(preset) : preset;
  const sorted = sortByTensorName(tensors);
  const mix = new MixState(sorted, model, p.fileType, options.imatrix === true);
  return sorted.map((t) => {
    const quantizable = tensorAllowsQuantization(t.name, t.dims, options.leaveOutputTensor);
    const toType = quantizable ? chooseType(mix, t, p, options) : t.type;
    if (toType !== t.type && isQuantizedType(t.type) && !options.allowRequantize) {
      throw new QuantError(
        'QUANT_REQUANTIZE_DISABLED',
        `${t.name} is already ${typeTraits(t.type).name}; requantizing it to ${typeTraits(toType).name} ` +
          'loses quality and is disabled: start from an F32/F16/BF16 file or pass allowRequantize',
      );
    }
    return { name: t.name, dims: t.dims, fromType: t.type, toType, quantizable };
  });
}

function chooseType(mix: MixState, t: TensorDescriptor, preset: QuantPreset, options: TypeRuleOptions): GGMLType {
  const category = tensorCategory(t.name);
  if (options.tokenEmbeddingType !== undefined && category === TensorCategory.TokenEmbedding) {
    return options.tokenEmbeddingType;
  }
  if (options.outputTensorType !== undefined && category === TensorCategory.Output) {
    return options.outputTensorType;
  }
  // F16/BF16/F32 presets are plain conversions: no mix, no fallback.
  if (!isQuantizedType(preset.defaultType)) return preset.defaultType;
  const manual = options.tensorTypeOverrides?.find((o) => new RegExp(o.pattern).test(t.name));
  let chosen = preset.defaultType;
  if (manual) chosen = manual.type;
  else if (!options.pure) chosen = mix.typeFor(t, category, preset.defaultType, options);
  return fallbackType(chosen, t.dims[0]);
}

const FT = LlamaFileType;

/** Counters and model facts the mix rules consult while walking the sorted tensors. */
class MixState {
  private readonly nAttentionV: number;
  private readonly nLayers: number;
  private readonly nExpert: number;
  private readonly nGqa: number;
  private readonly is70B: boolean;
  private readonly isFalcon: boolean;
  private readonly tiedEmbeddings: boolean;
  private iAttentionV = 0;
  private iFfnDown = 0;
  private iFfnGate = 0;
  private iFfnUp = 0;

  constructor(
    sorted: readonly TensorDescriptor[],
    model: QuantModelInfo,
    private readonly ftype: LlamaFileType,
    private readonly hasImatrix: boolean,
  ) {
    const categories = sorted.map((t) => tensorCategory(t.name));
    this.nAttentionV = categories.filter((c) => c === TensorCategory.AttentionV).length;
    this.tiedEmbeddings = !categories.includes(TensorCategory.Output);
    this.nLayers = model.blockCount;
    this.nExpert = model.expertCount ?? 0;
    this.nGqa = model.headCountKv > 0 ? Math.trunc(model.headCount / model.headCountKv) : 0;
    this.is70B = model.arch === 'llama' && model.blockCount === 80 && model.headCount !== model.headCountKv;
    this.isFalcon = model.arch === 'falcon';
  }

  typeFor(t: TensorDescriptor, category: TensorCategory, defaultType: GGMLType, options: TypeRuleOptions): GGMLType {
    if (category === TensorCategory.Output || (this.tiedEmbeddings && category === TensorCategory.TokenEmbedding)) {
      return this.outputType(t, defaultType, options);
    }
    switch (category) {
      case TensorCategory.TokenEmbedding:
        // The reference only changes an untied token_embd for IQ1/IQ2/IQ3_XXS/TQ mixes, none of which is a preset here.
        return defaultType;
      case TensorCategory.AttentionV:
        return this.attentionVType(defaultType);
      case TensorCategory.AttentionK:
        return this.nExpert === 8 ? GGMLType.Q8_0 : defaultType;
      case TensorCategory.FfnDown:
        return this.ffnDownType(t.name, defaultType);
      case TensorCategory.AttentionOutput:
        return this.attentionOutputType(defaultType);
      case TensorCategory.FfnGate:
        this.layerInfo(this.iFfnGate++, t.name); // validates MoE names; no preset here changes ffn_gate
        return defaultType;
      case TensorCategory.FfnUp:
        this.layerInfo(this.iFfnUp++, t.name);
        return defaultType;
      default:
        return defaultType;
    }
  }

  private outputType(t: TensorDescriptor, defaultType: GGMLType, options: TypeRuleOptions): GGMLType {
    if (options.outputTensorType !== undefined) return options.outputTensorType;
    if (this.isFalcon || t.dims[0] % typeTraits(defaultType).blockSize !== 0) return GGMLType.Q8_0;
    return defaultType === GGMLType.Q8_0 ? GGMLType.Q8_0 : GGMLType.Q6_K;
  }

  private attentionVType(defaultType: GGMLType): GGMLType {
    const ft = this.ftype;
    const i = this.iAttentionV++;
    let type = defaultType;
    if (ft === FT.MOSTLY_Q2_K) type = this.nGqa >= 4 ? GGMLType.Q4_K : GGMLType.Q3_K;
    else if (ft === FT.MOSTLY_Q3_K_M) type = i < 2 ? GGMLType.Q5_K : GGMLType.Q4_K;
    else if (ft === FT.MOSTLY_Q3_K_L) type = GGMLType.Q5_K;
    else if ((ft === FT.MOSTLY_IQ4_NL || ft === FT.MOSTLY_IQ4_XS) && this.nGqa >= 4) type = GGMLType.Q5_K;
    else if ((ft === FT.MOSTLY_Q4_K_M || ft === FT.MOSTLY_Q5_K_M) && useMoreBits(i, this.nAttentionV)) type = GGMLType.Q6_K;
    else if (ft === FT.MOSTLY_Q4_K_S && i < 4) type = GGMLType.Q5_K;
    // 70B shares one attn_v across 8 query heads: it is 8x smaller than attn_q, so extra bits are cheap.
    if (this.is70B && (type === GGMLType.Q3_K || type === GGMLType.Q4_K)) type = GGMLType.Q5_K;
    if (this.nExpert === 8) type = GGMLType.Q8_0;
    return type;
  }

  private ffnDownType(name: string, defaultType: GGMLType): GGMLType {
    const ft = this.ftype;
    const i = this.layerInfo(this.iFfnDown++, name);
    const n = this.nLayers;
    const more = useMoreBits(i, n);
    const falcon = this.isFalcon;
    if (ft === FT.MOSTLY_Q2_K) return GGMLType.Q3_K;
    if (ft === FT.MOSTLY_Q3_K_M) {
      if (i < Math.trunc(n / 16)) return GGMLType.Q5_K;
      return !falcon || more ? GGMLType.Q4_K : GGMLType.Q3_K;
    }
    if (ft === FT.MOSTLY_Q3_K_L) return falcon ? GGMLType.Q4_K : GGMLType.Q5_K;
    if (ft === FT.MOSTLY_Q4_K_M) {
      if (!falcon) return more ? GGMLType.Q6_K : defaultType;
      if (i < Math.trunc(n / 16)) return GGMLType.Q6_K;
      return more ? GGMLType.Q5_K : GGMLType.Q4_K;
    }
    const early = i < Math.trunc(n / 8);
    if (early && (ft === FT.MOSTLY_IQ4_NL || ft === FT.MOSTLY_IQ4_XS) && !this.hasImatrix) return GGMLType.Q5_K;
    if (ft === FT.MOSTLY_Q5_K_M && more) return GGMLType.Q6_K;
    if (ft === FT.MOSTLY_Q4_K_S && !falcon && early) return GGMLType.Q5_K;
    // With an imatrix the first ffn_down layers of Q4_0/Q5_0 get the safer _1 variant.
    if ((ft === FT.MOSTLY_Q4_0 || ft === FT.MOSTLY_Q5_0) && this.hasImatrix && early) {
      return ft === FT.MOSTLY_Q4_0 ? GGMLType.Q4_1 : GGMLType.Q5_1;
    }
    return defaultType;
  }

  private attentionOutputType(defaultType: GGMLType): GGMLType {
    const ft = this.ftype;
    if (this.isFalcon) return ft === FT.MOSTLY_Q3_K_L ? GGMLType.Q4_K : defaultType;
    if (this.nExpert === 8) return MOE_ATTN_OUTPUT_Q5_K.has(ft) ? GGMLType.Q5_K : defaultType;
    if (ft === FT.MOSTLY_Q2_K) return GGMLType.Q3_K;
    if (ft === FT.MOSTLY_Q3_K_M) return GGMLType.Q4_K;
    if (ft === FT.MOSTLY_Q3_K_L) return GGMLType.Q5_K;
    return defaultType;
  }

  /** The layer a counted tensor belongs to: its position for dense models, its name's `blk.N.` for MoE. */
  private layerInfo(counter: number, name: string): number {
    if (this.nExpert <= 1) return counter;
    const layer = layerOfTensorName(name);
    if (layer < 0 || layer >= this.nLayers) {
      throw new QuantError('QUANT_BAD_MODEL', `cannot place ${name} in one of the model's ${this.nLayers} layers`);
    }
    return layer;
  }
}

const MOE_ATTN_OUTPUT_Q5_K = new Set<LlamaFileType>([
  FT.MOSTLY_Q2_K,
  FT.MOSTLY_Q3_K_S,
  FT.MOSTLY_Q3_K_M,
  FT.MOSTLY_IQ4_NL,
  FT.MOSTLY_Q4_K_S,
  FT.MOSTLY_Q4_K_M,
  FT.MOSTLY_IQ4_XS,
]);
