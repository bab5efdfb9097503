// The converted slices of a plan, in order, with the work for the next slice
// already under way while the caller writes the current one: reading slice
// i+1 overlaps converting slice i, and converting i+1 overlaps writing i.
// Conversions run one at a time (each already uses every thread it is given);
// input and output bytes live in two small pools of reused buffers, so memory
// stays flat and no slice pays for fresh, zero-filled memory.

import type { FileHandle } from 'node:fs/promises';
import { rowSize } from '@tessera/native';
import { BufferPool } from './buffer-pool';
import { QuantError } from './errors';
import type { QuantKernels } from './kernels';
import { convertRows } from './tensor-conversion';
import type { TensorSlice } from './tensor-slices';
import { validateQuantized } from './validate-quantized';

export interface ConvertedSlice {
  readonly slice: TensorSlice;
  readonly bytes: Uint8Array;
  /** Call once `bytes` are written: their memory may then be reused. */
  done(): void;
}

export interface SliceStreamOptions {
  readonly kernels: QuantKernels;
  readonly threads: number;
  readonly signal?: AbortSignal;
  /** Importance weights per tensor name (dims[0] values per expert), for tensors that have them. */
  readonly weights: ReadonlyMap<string, Float32Array | undefined>;
}

// Inputs: one buffer being read, one being converted, one waiting. Outputs:
// one being written, one being converted into, one spare (so a consumer one
// step late never stalls a conversion).
const POOL_BUFFERS = 3;

/** Bytes a slice's conversion produces (0 for a slice that is copied as it is). */
function outputBytes(s: TensorSlice): number {
  const t = s.tensor;
  return t.toType === t.fromType ? 0 : s.nRows * rowSize(t.toType, t.dims[0]);
}

export class SliceStream {
  private readonly pool: BufferPool;
  private readonly outPool: BufferPool | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextIndex = 0;
  private ahead: Promise<ConvertedSlice> | undefined;

  constructor(
    private readonly source: FileHandle,
    private readonly slices: readonly TensorSlice[],
    private readonly opts: SliceStreamOptions,
  ) {
    this.pool = new BufferPool(POOL_BUFFERS, slices.reduce((n, s) => Math.max(n, s.nBytes), 1));
    const outMax = slices.reduce((n, s) => Math.max(n, outputBytes(s)), 0);
    this.outPool = outMax > 0 ? new BufferPool(POOL_BUFFERS, outMax) : undefined;
  }

  /** Starts reading and converting the first slice now, before it is asked for (e.g. while a header is encoded). */
  prefetch(): void {
    if (this.nextIndex === 0 && this.ahead === undefined && this.slices.length > 0) this.ahead = this.start(0, Promise.resolve());
  }

  /** The next slice, converted; starts the one after it before returning. */
  async next(): Promise<ConvertedSlice> {
    const i = this.nextIndex++;
    if (i >= this.slices.length) throw new RangeError(`all ${this.slices.length} slices were already taken`);
    const current = this.ahead ?? this.start(i, Promise.resolve());
    this.ahead = i + 1 < this.slices.length ? this.start(i + 1, current) : undefined;
    return current;
  }

  /** Waits for background reads and conversions to stop (their errors are already reported by next()). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Reads slice i now; converts it once `previous` has finished converting. */
  private start(i: number, previous: Promise<unknown>): Promise<ConvertedSlice> {
    const read = this.track(this.read(this.slices[i]));
    return this.track(Promise.all([read, previous]).then(([input]) => this.convert(this.slices[i], input)));
  }

  private async read(s: TensorSlice): Promise<Buffer> {
    const buf = await this.pool.acquire();
    try {
      let done = 0;
      while (done < s.nBytes) {
        const { bytesRead } = await this.source.read(buf, done, s.nBytes - done, s.offset + done);
        if (bytesRead === 0) throw new QuantError('QUANT_BAD_MODEL', `the input ends inside tensor ${s.tensor.name}; the file is truncated`);
        done += bytesRead;
      }
      return buf;
    } catch (err) {
      this.pool.release(buf);
      throw err;
    }
  }

  private async convert(s: TensorSlice, buf: Buffer): Promise<ConvertedSlice> {
    const input = buf.subarray(0, s.nBytes);
    const t = s.tensor;
    if (this.opts.signal?.aborted) {
      this.pool.release(buf);
      throw new QuantError('QUANT_ABORTED', 'quantization was cancelled; no output file was written');
    }
    // A copied slice is its input buffer, held until written.
    if (t.toType === t.fromType) return { slice: s, bytes: input, done: this.releaseOnce(this.pool, buf) };
    const outPool = this.outPool!; // exists whenever a slice is converted
    const outBuf = await outPool.acquire(); // never rejects
    let out: Uint8Array;
    try {
      out = await convertRows(t, input, s.nRows, {
        kernels: this.opts.kernels,
        threads: this.opts.threads,
        signal: this.opts.signal,
        imatrix: this.expertWeights(s),
        out: outBuf,
      });
      validateQuantized(t.name, t.toType, out, s.firstElement);
    } catch (err) {
      outPool.release(outBuf);
      throw err;
    } finally {
      this.pool.release(buf);
    }
    // Kernels may return memory of their own (stand-ins do); then the pooled buffer is free now.
    if (out.buffer !== outBuf.buffer) {
      outPool.release(outBuf);
      return { slice: s, bytes: out, done: () => undefined };
    }
    return { slice: s, bytes: out, done: this.releaseOnce(outPool, outBuf) };
  }

  private releaseOnce(pool: BufferPool, buf: Buffer): () => void {
    let released = false;
    return () => {
      if (!released) pool.release(buf);
      released = true;
    };
  }

  private expertWeights(s: TensorSlice): Float32Array | undefined {
    const w = this.opts.weights.get(s.tensor.name);
    const n = s.tensor.dims[0];
    return w && w.subarray(s.expert * n, (s.expert + 1) * n);
  }

  /** Remembers a background promise until it settles, and keeps an early rejection from counting as unhandled. */
  private track<T>(p: Promise<T>): Promise<T> {
    const quiet = p.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(quiet);
    void quiet.then(() => this.inFlight.delete(quiet));
    return p;
  }
}
