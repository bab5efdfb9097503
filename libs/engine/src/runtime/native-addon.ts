// The slice of the native addon this runtime uses (model and sampling
// bindings, which live in libs/native/cpp/{model,sampling}), typed.

import { loadAddon, type NativeSampleRequest, type NativeSampleResult } from '@tessera/native';
import { RuntimeError } from './errors';

export interface NativeHParams {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  nFf: number;
  nVocab: number;
  nRot: number;
  nCtxTrain: number;
  rmsEps: number;
  ropeFreqBase: number;
  ropeFreqScale: number;
}

export interface NativeTensor {
  name: string;
  type: number;
  dims: number[];
  /** Absolute byte offset in the file. */
  offset: number;
  nBytes: number;
}

export interface NativeModelOptions {
  threads: number;
  kvBlocks: number;
  blockSize: number;
  /** 0: flash-attention roundings (the reference default), 1: standard attention. */
  attention: number;
  /** Repack matmul weights for the AVX-512 kernels (default true). */
  packWeights?: boolean;
  /** CPU ranks the heads and FFN are split over (default 1). */
  tensorParallel?: number;
}

export interface NativeBatch {
  tokens: Int32Array;
  positions: Int32Array;
  seqStarts: Int32Array;
  seqLens: Int32Array;
  blockTables: Int32Array;
  slotMapping: Int32Array;
  logitRows: Int32Array;
  maxBlocksPerSeq: number;
}

/** A sample request on a forward's own logits: request i draws from logit row rows[i]. */
export type NativeRowsSampleRequest = Omit<NativeSampleRequest, 'logits' | 'nVocab'> & { rows: Int32Array };

export interface NativeModelHandle {
  /** Resolves to `into` when given (filled off the JS thread), else to a new array. */
  forward(batch: NativeBatch, into?: Float32Array): Promise<Float32Array>;
  /** The same, then samples the logit rows `sample.rows` names, on the forward's thread. */
  forward(
    batch: NativeBatch,
    into: Float32Array | undefined,
    sample: NativeRowsSampleRequest,
  ): Promise<{ logits: Float32Array; sampled: NativeSampleResult }>;
  /** (src, dst) block id pairs; copies every layer's K and V. */
  copyBlocks(pairs: Int32Array): Promise<void>;
  close(): void;
  info(): NativeModelInfo;
}

export interface NativeModelInfo {
  /** Over all ranks. */
  kvCacheBytes: number;
  /** Over all ranks. */
  threads: number;
  tensorParallel: number;
  kvBlocks: number;
  blockSize: number;
  /** Size of the mapped model file. */
  mappedBytes: number;
  /** Packed weight copies (their mapped originals are released). */
  packedBytes: number;
  /** Per-step buffers, grown to the largest step so far. */
  scratchBytes: number;
}

export type { NativeSampleRequest, NativeSampleResult };

export interface NativeAddon {
  LlamaModelHandle: new (
    path: string,
    hparams: NativeHParams,
    tensors: NativeTensor[],
    options: NativeModelOptions,
  ) => NativeModelHandle;
  sample(req: NativeSampleRequest): Promise<NativeSampleResult>;
  /** The same sampling on the calling thread (for work smaller than a trip through libuv's pool). */
  sampleSync(req: NativeSampleRequest): NativeSampleResult;
  /** Test hook: bit differences between the scalar and SIMD reference-order kernels. */
  compareRefKernels(seed: number): { dot: number; scaleHalf: number; madHalf: number; swiglu: number; rope: number; flashHalf: number; simd: boolean };
  /** Test hook: the tensor-parallel rank threads and exchange without a model (tp_check_bindings.cpp). */
  checkRankExchange(nRanks: number, rounds: number, failRank: number, failRound: number): { mismatches: number; aborted: number; failed: number };
}

/** The model and sampling bindings of @tessera/native's addon, typed. */
export function loadNativeAddon(): NativeAddon {
  let addon: NativeAddon;
  try {
    addon = loadAddon() as unknown as NativeAddon;
  } catch (err) {
    throw new RuntimeError('ENOADDON', (err as Error).message);
  }
  if (typeof addon.LlamaModelHandle !== 'function' || typeof addon.sample !== 'function') {
    throw new RuntimeError('ENOADDON', 'the native addon lacks the model bindings; rebuild it with `node tools/build.mjs`');
  }
  return addon;
}
