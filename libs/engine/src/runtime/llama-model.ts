// A llama-architecture GGUF model loaded for inference: weights memory-mapped
// by native code, a paged KV cache, and a native thread pool. forward() runs
// one batched step off the event loop; one call at a time per model.

import { types } from 'node:util';
import { readGGUF } from '@tessera/gguf';
import { fromNative, RuntimeError } from './errors';
import { BatchLimits, checkModelBatch, ModelBatch } from './model-batch';
import { llamaHParams } from './llama-hparams';
import { loadNativeAddon, NativeHParams, NativeModelHandle } from './native-addon';
import { checkSampleRows, packSampleRows, unpackSampled, type SampleRow, type SampledRow } from './sampling';

function blockPairs(pairs: Int32Array, kvBlocks: number): void {
  if (!(pairs instanceof Int32Array)) throw new RuntimeError('EINVAL', 'copyBlocks expects an Int32Array of (src, dst) pairs');
  if (pairs.length % 2 !== 0) throw new RuntimeError('EINVAL', `copyBlocks needs (src, dst) pairs, got ${pairs.length} ids`);
  for (const id of pairs) {
    if (!(id >= 0 && id < kvBlocks)) throw new RuntimeError('EBADBLOCK', `block id ${id} is outside the KV pool of ${kvBlocks} blocks`);
  }
}

export type AttentionKind = 'flash' | 'standard';

export interface LoadOptions {
  /** Native threads for matmuls and attention (default 2), divided among tensor-parallel ranks. */
  threads?: number;
  /** Blocks in the KV pool (default 256). */
  kvBlocks?: number;
  /** Tokens per KV block (default 16). */
  blockSize?: number;
  /**
   * Which reference rounding to reproduce: 'flash' (the reference's default
   * CPU attention) or 'standard' (its non-flash path). Default 'flash'.
   */
  attention?: AttentionKind;
  /**
   * Repack matmul weights at load for the AVX-512 kernels where the CPU has
   * them (default true): up to 3-4x faster matmuls, same resident memory
   * (the mapped originals are released). Results differ from unpacked
   * weights in the last bits only.
   */
  packWeights?: boolean;
  /**
   * Tensor parallelism: split the attention heads and the FFN over this many
   * CPU ranks, each with threads / tensorParallel threads, its own weight
   * slice and its own KV pool (default 1). The heads, KV heads and FFN width
   * must divide by it; otherwise load fails with ETENSORPARALLEL.
   */
  tensorParallel?: number;
}

/** Where a loaded model's memory goes. */
export interface ModelMemory {
  /** The mapped GGUF file (only the pages in use are resident). */
  mappedBytes: number;
  /** Packed copies of the matmul weights; their mapped pages are released. */
  packedBytes: number;
  kvCacheBytes: number;
  /** Per-step buffers, grown to the largest step so far. */
  scratchBytes: number;
}

function positiveInt(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new RuntimeError('EINVAL', `${name} must be an integer in 1..${max}, got ${v}`);
  return v;
}

export class LlamaModel {
  private busy = false;
  private closed = false;

  private constructor(
    private readonly handle: NativeModelHandle,
    readonly hparams: Readonly<NativeHParams>,
    readonly kvBlocks: number,
    readonly blockSize: number,
    readonly threads: number,
    readonly tensorParallel: number,
  ) {}

  /** Maps the model at `path` and allocates its KV pool. */
  static async load(path: string, options: LoadOptions = {}): Promise<LlamaModel> {
    const threads = positiveInt('threads', options.threads ?? 2, 512);
    const kvBlocks = positiveInt('kvBlocks', options.kvBlocks ?? 256, 1 << 24);
    const blockSize = positiveInt('blockSize', options.blockSize ?? 16, 4096);
    const attention = options.attention ?? 'flash';
    const packWeights = options.packWeights ?? true;
    const tensorParallel = positiveInt('tensorParallel', options.tensorParallel ?? 1, 64);
    if (attention !== 'flash' && attention !== 'standard') throw new RuntimeError('EINVAL', `attention must be 'flash' or 'standard'`);
    const addon = loadNativeAddon();
    const file = await readGGUF(path);
    const hparams = llamaHParams(file);
    const tensors = file.tensors.map((t) => ({ name: t.name, type: t.type, dims: t.dims, offset: t.absoluteOffset, nBytes: t.nBytes }));
    let handle: NativeModelHandle;
    try {
      handle = new addon.LlamaModelHandle(path, hparams, tensors, {
        threads,
        kvBlocks,
        blockSize,
        attention: attention === 'flash' ? 0 : 1,
        packWeights,
        tensorParallel,
      });
    } catch (err) {
      throw fromNative(err);
    }
    // What the native side built, so callers see the split that is really in use.
    return new LlamaModel(handle, hparams, kvBlocks, blockSize, threads, handle.info().tensorParallel);
  }

  get nVocab(): number {
    return this.hparams.nVocab;
  }

  /** Bytes held by the KV pool. */
  get kvCacheBytes(): number {
    return this.handle.info().kvCacheBytes;
  }

  /** Memory held by the model: mapped file, packed weights, KV pool, scratch. */
  get memory(): ModelMemory {
    const { mappedBytes, packedBytes, kvCacheBytes, scratchBytes } = this.handle.info();
    return { mappedBytes, packedBytes, kvCacheBytes, scratchBytes };
  }

  /**
   * Copies KV blocks for copy-on-write: pairs = src0, dst0, src1, dst1, ...;
   * every layer's keys and values of each src block go to its dst block, in
   * order. Shares forward()'s one-call-at-a-time rule (EBUSY).
   */
  async copyBlocks(pairs: Int32Array): Promise<void> {
    if (this.closed) throw new RuntimeError('ECLOSED', 'the model was closed; load it again');
    if (this.busy) throw new RuntimeError('EBUSY', 'a forward or copy call is already running on this model; await it first');
    blockPairs(pairs, this.kvBlocks);
    if (pairs.length === 0) return;
    this.busy = true;
    try {
      await this.handle.copyBlocks(pairs);
    } catch (err) {
      throw fromNative(err);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Runs one step and resolves to logitRows.length × nVocab logits.
   * Rejects with EBUSY if another forward() on this model has not settled.
   *
   * `into`, when given, receives the logits (it must hold at least that many
   * floats; the result is a view of its start) and must not be read, written
   * or transferred until the promise settles. A caller that runs step after
   * step can pass the same array each time: the logits are then written off
   * the JS thread into memory that is already mapped, instead of into a new
   * 196 KB-per-row array on it.
   */
  async forward(batch: ModelBatch, into?: Float32Array): Promise<Float32Array> {
    const n = this.checkStep(batch, into);
    this.busy = true;
    try {
      if (into) {
        const out = await this.handle.forward(batch, into);
        return out.length === n ? out : out.subarray(0, n);
      }
      return await this.handle.forward(batch);
    } catch (err) {
      throw fromNative(err);
    } finally {
      this.busy = false;
    }
  }

  /**
   * forward(), then the requests sampled from its logit rows in the same
   * native call, on the forward's thread (each request's `row` indexes
   * batch.logitRows). Results equal sampleRows() on the returned logits.
   */
  async forwardAndSample(batch: ModelBatch, requests: readonly SampleRow[], into?: Float32Array): Promise<{ logits: Float32Array; sampled: SampledRow[] }> {
    const n = this.checkStep(batch, into);
    checkSampleRows(requests, batch.logitRows.length);
    const sample = { ...packSampleRows(requests), rows: Int32Array.from(requests, (r) => r.row) };
    this.busy = true;
    try {
      const out = await this.handle.forward(batch, into, sample);
      return { logits: out.logits.length === n ? out.logits : out.logits.subarray(0, n), sampled: unpackSampled(out.sampled, requests) };
    } catch (err) {
      throw fromNative(err);
    } finally {
      this.busy = false;
    }
  }

  /** Throws unless a step may run now on `batch` (and `into`); returns its logits' length. */
  private checkStep(batch: ModelBatch, into: Float32Array | undefined): number {
    if (this.closed) throw new RuntimeError('ECLOSED', 'the model was closed; load it again');
    if (this.busy) throw new RuntimeError('EBUSY', 'a forward call is already running on this model; await it first');
    const limits: BatchLimits = { nVocab: this.nVocab, kvBlocks: this.kvBlocks, blockSize: this.blockSize };
    checkModelBatch(batch, limits);
    const n = batch.logitRows.length * this.nVocab;
    // isFloat32Array, not instanceof: an array the addon made (a previous step's
    // logits) comes from another realm under test runners.
    if (into !== undefined && (!types.isFloat32Array(into) || into.length < n)) {
      throw new RuntimeError('EINVAL', `forward's output array must be a Float32Array of at least ${n} floats (logitRows.length × nVocab)`);
    }
    return n;
  }

  /** Unmaps the weights and frees the KV pool. */
  close(): void {
    if (this.closed) return;
    if (this.busy) throw new RuntimeError('EBUSY', 'cannot close the model while a forward call runs');
    this.handle.close();
    this.closed = true;
  }
}
