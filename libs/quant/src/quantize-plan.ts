// Everything quantizeFile decides before it writes a byte: the preset, the
// input's header, the imatrix and every tensor's target type, each checked so
// that a bad request fails before any output exists. Also usable on its own as
// a dry run (types and sizes per tensor).

import { GGMLType, typeTraits, typeTraitsByName } from '@tessera/native';
import { GGUFFile, padTo, readGGUF, tensorNBytes } from '@tessera/gguf';
import { QuantError } from './errors';
import { loadImatrix } from './imatrix';
import type { Imatrix } from './imatrix-weights';
import type { QuantKernels } from './kernels';
import { quantModelInfo } from './model-info';
import { QuantPreset, getPreset } from './presets';
import { PlannedTensor, isQuantizedType, planTensorTypes } from './tensor-type-rules';

export interface QuantizeProgress {
  /** 1-based index of the tensor just written. */
  readonly tensorIndex: number;
  readonly tensorCount: number;
  readonly tensorName: string;
  /** Input tensor bytes processed so far, and in all. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface QuantizeFileOptions {
  /** Native threads per tensor (default: the machine's available parallelism). */
  readonly threads?: number;
  /** An importance matrix, loaded or as a path. */
  readonly imatrix?: Imatrix | string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: QuantizeProgress) => void;
  readonly allowRequantize?: boolean;
  readonly pure?: boolean;
  readonly leaveOutputTensor?: boolean;
  /** A ggml type (id or name such as "q8_0") for output.weight. */
  readonly outputTensorType?: GGMLType | string;
  /** A ggml type (id or name) for token_embd.weight. */
  readonly tokenEmbeddingType?: GGMLType | string;
  /** Manual types by tensor-name regex, e.g. [{ pattern: 'attn_v', type: 'q8_0' }] (llama-quantize --tensor-type). */
  readonly tensorTypes?: ReadonlyArray<{ readonly pattern: string | RegExp; readonly type: GGMLType | string }>;
  /** Kernel implementation; defaults to @tessera/native. */
  readonly kernels?: QuantKernels;
  /** Input bytes converted per step (default 2 MiB): memory in use is a few times this, whatever the model's size. */
  readonly sliceBytes?: number;
}

export interface QuantizedTensor {
  readonly name: string;
  readonly fromType: GGMLType;
  readonly toType: GGMLType;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export interface PreparedQuantization {
  readonly preset: QuantPreset;
  readonly input: GGUFFile;
  readonly imatrix?: Imatrix;
  readonly plan: PlannedTensor[];
}

/** What quantizeFile would do, without writing: every tensor's types and sizes. */
export async function planQuantizeFile(
  inPath: string,
  preset: QuantPreset | string,
  options: Omit<QuantizeFileOptions, 'threads' | 'signal' | 'onProgress' | 'kernels'> = {},
): Promise<QuantizationPlan> {
  const { preset: p, input, imatrix, plan } = await prepareQuantization(inPath, preset, options);
  plan.forEach((t) => imatrixFor(t, imatrix));
  const tensors = plan.map((t) => ({
    name: t.name,
    fromType: t.fromType,
    toType: t.toType,
    bytesIn: input.tensorsByName.get(t.name)!.nBytes,
    bytesOut: tensorNBytes(t.toType, t.dims),
  }));
  return { preset: p.name, tensors, sizeIn: input.fileSize, dataSizeOut: tensors.reduce((n, t) => n + padTo(t.bytesOut, 32), 0) };
}

export interface QuantizationPlan {
  readonly preset: string;
  readonly tensors: QuantizedTensor[];
  readonly sizeIn: number;
  /** Bytes of the output's data section (tensor data with padding), the header excluded. */
  readonly dataSizeOut: number;
}

/** Reads the input's header, the imatrix, and plans every tensor; fails before any output exists. */
export async function prepareQuantization(inPath: string, preset: QuantPreset | string, options: QuantizeFileOptions): Promise<PreparedQuantization> {
  const p = typeof preset === 'string' ? getPreset(preset) : preset;
  const input = await readGGUF(inPath);
  const imatrix = typeof options.imatrix === 'string' ? await loadImatrix(options.imatrix) : options.imatrix;
  const plan = planTensorTypes(input.tensors, quantModelInfo(input.kv, input.tensors.map((t) => t.name)), p, {
    imatrix: imatrix !== undefined,
    pure: options.pure,
    leaveOutputTensor: options.leaveOutputTensor,
    allowRequantize: options.allowRequantize,
    outputTensorType: parseTypeOption(options.outputTensorType, 'outputTensorType'),
    tokenEmbeddingType: parseTypeOption(options.tokenEmbeddingType, 'tokenEmbeddingType'),
    tensorTypeOverrides: options.tensorTypes?.map((o) => ({ pattern: o.pattern, type: parseTypeOption(o.type, `tensorTypes[${String(o.pattern)}]`)! })),
  });
  plan.forEach(checkConvertible);
  return { preset: p, input, imatrix, plan };
}

function parseTypeOption(value: GGMLType | string | undefined, what: string): GGMLType | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const traits = typeTraitsByName(value.trim());
  if (!traits) throw new QuantError('QUANT_BAD_OPTION', `${what} "${value}" is not a ggml type name (e.g. q8_0, q6_k, f16)`);
  return traits.type;
}

/** Fails before any output is written when a conversion cannot be done here. */
function checkConvertible(t: PlannedTensor): void {
  if (t.toType === t.fromType) return;
  const from = typeTraits(t.fromType);
  const to = typeTraits(t.toType);
  const readable = t.fromType === GGMLType.F32 || (from.dequantizable && (isQuantizedType(t.fromType) || t.fromType === GGMLType.F16 || t.fromType === GGMLType.BF16));
  if (!readable) {
    throw new QuantError('QUANT_UNSUPPORTED_INPUT', `${t.name} is ${from.name}, which cannot be converted to F32 for quantizing; use an F32/F16/BF16 source`);
  }
  if (t.toType !== GGMLType.F32 && !to.quantizable) {
    throw new QuantError('QUANT_UNSUPPORTED_INPUT', `${t.name} would become ${to.name}, which the native kernels cannot produce; choose another type`);
  }
}

/** This tensor's importance weights, or undefined; a size mismatch is an error except for token_embd. */
export function imatrixFor(t: PlannedTensor, imatrix: Imatrix | undefined): Float32Array | undefined {
  if (!imatrix || t.toType === t.fromType) return undefined;
  const w = imatrix.weights.get(t.name);
  if (!w) return undefined;
  const expected = t.dims[0] * (t.dims[2] ?? 1);
  if (w.length === expected) return w;
  // The reference tolerates this for token embeddings, whose imatrix entry is routinely the wrong shape.
  if (t.name === 'token_embd.weight' || t.name === 'per_layer_token_embd.weight') return undefined;
  throw new QuantError(
    'QUANT_IMATRIX_MISMATCH',
    `imatrix has ${w.length} weights for ${t.name}, which needs ${expected}; was the imatrix computed for another model?`,
  );
}
