// Hugging Face llama-family checkpoint (config.json, safetensors, tokenizer)
// -> one GGUF file. Everything is validated before the output is created;
// tensors are then streamed one at a time, a chunk at a time, into a temp
// file renamed into place at the end.

import { basename, resolve } from 'node:path';
import { GGMLType } from '@tessera/gguf';
import { ConvertError, throwIfAborted } from './errors';
import { KvList } from './gguf-kv';
import { WriteProgress, WrittenFile, writeGgufFile } from './gguf-output';
import { LlamaHParams, readLlamaConfig } from './hf/config';
import { expectedHfShape, requiredGgufNames } from './hf/expected-shapes';
import { addHParamKeys } from './hf/hparams-kv';
import { makeHfTensorPlan } from './hf/hf-tensor-plan';
import { llama3RopeFactors } from './hf/rope-freqs';
import { compareGgufNames, mapTensorName } from './hf/tensor-names';
import { addTokenizerKeys } from './hf/tokenizer-kv';
import { HfWeights } from './safetensors/hf-weights';
import { FloatOutType } from './tensor/encode-floats';
import { TensorPlan } from './tensor/tensor-plan';

export type OutType = 'f32' | 'f16' | 'bf16';

export interface ConvertOptions {
  /** Type of the 2-D weights (norms and biases always stay F32). Default 'f16'. */
  readonly outtype?: OutType;
  /** general.name; default: the directory's name. */
  readonly name?: string;
  /** tokenizer.ggml.pre override for byte-level BPE tokenizers that are not recognised. */
  readonly pre?: string;
  readonly onProgress?: (p: WriteProgress) => void;
  readonly signal?: AbortSignal;
}

export interface ConvertResult extends WrittenFile {
  readonly arch: string;
  readonly outtype: OutType;
}

/** ggml type and llama_ftype (general.file_type) of each outtype. */
export const OUTTYPES: Readonly<Record<OutType, { type: FloatOutType; ftype: number }>> = {
  f32: { type: GGMLType.F32, ftype: 0 },
  f16: { type: GGMLType.F16, ftype: 1 },
  bf16: { type: GGMLType.BF16, ftype: 32 },
};

export async function convertHfToGguf(hfDir: string, outPath: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  const outtype = opts.outtype ?? 'f16';
  const ot = OUTTYPES[outtype];
  if (!ot) throw new ConvertError('CONVERT_BAD_OPTION', `outtype '${String(outtype)}' is not one of f32, f16, bf16`);
  throwIfAborted(opts.signal);
  const hp = readLlamaConfig(hfDir);
  const kv = buildKv(hfDir, hp, outtype, opts);
  const weights = await HfWeights.open(hfDir);
  try {
    const tensors = planTensors(weights, hp, ot.type);
    const written = await writeGgufFile(outPath, kv, tensors, { onProgress: opts.onProgress, signal: opts.signal });
    return { ...written, arch: hp.arch, outtype };
  } finally {
    await weights.close();
  }
}

function buildKv(dir: string, hp: LlamaHParams, outtype: OutType, opts: ConvertOptions): KvList {
  const kv = new KvList();
  kv.string('general.architecture', hp.arch);
  kv.string('general.type', 'model');
  kv.string('general.name', opts.name ?? basename(resolve(dir)));
  addHParamKeys(kv, hp);
  kv.u32('general.file_type', OUTTYPES[outtype].ftype);
  kv.u32('general.quantization_version', 2);
  addTokenizerKeys(kv, dir, hp, { pre: opts.pre });
  return kv;
}

function planTensors(weights: HfWeights, hp: LlamaHParams, outType: FloatOutType): TensorPlan[] {
  const plans: TensorPlan[] = [];
  for (const hfName of weights.names) {
    const mapped = mapTensorName(hfName);
    if (mapped === null) continue;
    if (mapped === undefined || mapped.layer >= hp.nLayer) {
      throw new ConvertError('CONVERT_TENSOR_MISMATCH', `cannot map tensor '${hfName}' to a ${hp.arch} GGUF tensor (unexpected for ${hp.hfArchitecture} with ${hp.nLayer} layers)`);
    }
    const located = weights.get(hfName)!;
    const want = expectedHfShape(mapped.gguf, hp);
    if (want && JSON.stringify(want) !== JSON.stringify(located.entry.shape)) {
      throw new ConvertError(
        'CONVERT_TENSOR_MISMATCH',
        `tensor '${hfName}' has shape [${located.entry.shape.join(', ')}] but config.json implies [${want.join(', ')}]`,
      );
    }
    const permute = hp.permuteQK ? mapped.permute : 'none';
    const heads = mapped.permute === 'q' ? hp.nHead : hp.nHeadKv;
    plans.push(makeHfTensorPlan({ located, mapped: { ...mapped, permute }, outtype: outType, permuteHeads: heads }));
  }
  const have = new Set(plans.map((p) => p.name));
  const missing = requiredGgufNames(hp).filter((n) => !have.has(n));
  if (missing.length > 0) {
    throw new ConvertError('CONVERT_TENSOR_MISMATCH', `the checkpoint lacks ${missing.length} required tensors, e.g. ${missing.slice(0, 3).join(', ')}`);
  }
  plans.sort((a, b) => compareGgufNames(a.name, b.name));
  if (hp.ropeScaling?.type === 'llama3') plans.unshift(ropeFreqsPlan(hp));
  return plans;
}

function ropeFreqsPlan(hp: LlamaHParams): TensorPlan {
  const factors = llama3RopeFactors(hp.headDim, hp.ropeTheta ?? 10000, hp.ropeScaling!);
  return {
    name: 'rope_freqs.weight',
    type: GGMLType.F32,
    dims: [factors.length],
    async *chunks() {
      yield new Uint8Array(factors.buffer);
    },
  };
}
