// A llama-architecture GGUF model loaded for inference: weights memory-mapped
// by native code, a paged KV cache, and a native thread pool. forward() runs
// one batched step off the event loop; one call at a time per model.

import { readGGUF } from '@tessera/gguf';
import { fromNative, RuntimeError } from './errors';
import { BatchLimits, checkModelBatch, ModelBatch } from './model-batch';
import { llamaHParams } from './llama-hparams';
import { loadNativeAddon, NativeHParams, NativeModelHandle } from './native-addon';

export type AttentionKind = 'flash' | 'standard';

export interface LoadOptions {
  /** Native threads for matmuls and attention (default 2). */
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
  ) {}

  /** Maps the model at `path` and allocates its KV pool. */
  static async load(path: string, options: LoadOptions = {}): Promise<LlamaModel> {
    const threads = positiveInt('threads', options.threads ?? 2, 512);
    const kvBlocks = positiveInt('kvBlocks', options.kvBlocks ?? 256, 1 << 24);
    const blockSize = positiveInt('blockSize', options.blockSize ?? 16, 4096);
    const attention = options.attention ?? 'flash';
    if (attention !== 'flash' && attention !== 'standard') throw new RuntimeError('EINVAL', `attention must be 'flash' or 'standard'`);
    const addon = loadNativeAddon();
    const file = await readGGUF(path);
    const hparams = llamaHParams(file);
    const tensors = file.tensors.map((t) => ({ name: t.name, type: t.type, dims: t.dims, offset: t.absoluteOffset, nBytes: t.nBytes }));
    let handle: NativeModelHandle;
    try {
      handle = new addon.LlamaModelHandle(path, hparams, tensors, { threads, kvBlocks, blockSize, attention: attention === 'flash' ? 0 : 1 });
    } catch (err) {
      throw fromNative(err);
    }
    return new LlamaModel(handle, hparams, kvBlocks, blockSize, threads);
  }

  get nVocab(): number {
    return this.hparams.nVocab;
  }

  /** Bytes held by the KV pool. */
  get kvCacheBytes(): number {
    return this.handle.info().kvCacheBytes;
  }

  /**
   * Runs one step and resolves to logitRows.length × nVocab logits.
   * Rejects with EBUSY if another forward() on this model has not settled.
   */
  async forward(batch: ModelBatch): Promise<Float32Array> {
    if (this.closed) throw new RuntimeError('ECLOSED', 'the model was closed; load it again');
    if (this.busy) throw new RuntimeError('EBUSY', 'a forward call is already running on this model; await it first');
    const limits: BatchLimits = { nVocab: this.nVocab, kvBlocks: this.kvBlocks, blockSize: this.blockSize };
    checkModelBatch(batch, limits);
    this.busy = true;
    try {
      return await this.handle.forward(batch);
    } catch (err) {
      throw fromNative(err);
    } finally {
      this.busy = false;
    }
  }

  /** Unmaps the weights and frees the KV pool. */
  close(): void {
    if (this.closed) return;
    if (this.busy) throw new RuntimeError('EBUSY', 'cannot close the model while a forward call runs');
    this.handle.close();
    this.closed = true;
  }
}
