// Streaming GGUF writer. Metadata and tensor infos are declared first; tensor
// data then follows one tensor at a time, so a model never has to fit in
// memory. The file appears under its final name only on finish(): until then
// it is a hidden temp file in the same directory, removed on abort or error.

import { createHash, Hash, randomBytes } from 'node:crypto';
import { FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GGUFError } from './errors';
import { PlacedTensor, TensorSpec, checkTensorSpec, encodeHeader, placeTensors, resolveAlignment } from './encode-header';
import { GGUF_VERSION, padTo } from './layout';
import { GGUFMetadata } from './metadata';
import { GGUFValue } from './values';

export interface GGUFWriterOptions {
  /** Data alignment; default `general.alignment` from the metadata, else 32. */
  alignment?: number;
  /** Version number to write (2 or 3, default 3; the layout is the same). */
  version?: 2 | 3;
  /** Compute the SHA-256 of the file while writing (returned by finish()). */
  sha256?: boolean;
}

/** Tensor bytes: one buffer, a producer called when it is this tensor's turn, or a stream of chunks. */
export type TensorData = Uint8Array | (() => Uint8Array | Promise<Uint8Array>) | AsyncIterable<Uint8Array>;

export interface WriteResult {
  path: string;
  size: number;
  /** Hex digest when the sha256 option was set. */
  sha256?: string;
}

type State = 'declaring' | 'writing' | 'done';

export class GGUFWriter {
  /** The metadata to write; edit it freely until the first tensor is written. */
  readonly kv: GGUFMetadata;
  private readonly specs: TensorSpec[] = [];
  private placed: PlacedTensor[] = [];
  private next = 0;
  private pos = 0;
  private alignment = 0;
  private state: State = 'declaring';
  private readonly hash: Hash | undefined;

  private constructor(
    readonly path: string,
    private readonly tempPath: string,
    private readonly handle: FileHandle,
    private readonly opts: GGUFWriterOptions,
    kv: GGUFMetadata,
  ) {
    this.kv = kv;
    this.hash = opts.sha256 ? createHash('sha256') : undefined;
  }

  /** Opens a temp file beside `path`; `kv` is copied, so later edits to it do not leak in. */
  static async create(path: string, opts: GGUFWriterOptions = {}, kv: GGUFMetadata = new GGUFMetadata()): Promise<GGUFWriter> {
    if (opts.version !== undefined && opts.version !== 2 && opts.version !== 3) {
      throw new GGUFError('EBADVALUE', -1, `version must be 2 or 3, got ${opts.version}`);
    }
    const tempPath = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    const handle = await open(tempPath, 'wx');
    return new GGUFWriter(path, tempPath, handle, opts, kv.clone());
  }

  /** Sets a key (an existing key is removed and re-appended, as in ggml). */
  setKV(key: string, value: GGUFValue): this {
    this.expect('declaring', 'set metadata');
    this.kv.set(key, value);
    return this;
  }

  /** Declares several tensors at once (see addTensor). */
  addTensors(specs: Iterable<TensorSpec>): this {
    for (const spec of specs) this.addTensor(spec);
    return this;
  }

  /** Declares the next tensor; data must later be written in declaration order. Returns its data size. */
  addTensor(spec: TensorSpec): number {
    this.expect('declaring', 'add a tensor');
    const nBytes = checkTensorSpec(spec);
    if (this.specs.some((s) => s.name === spec.name)) {
      throw new GGUFError('EDUPTENSOR', -1, `tensor '${spec.name}' was added twice`);
    }
    this.specs.push({ name: spec.name, dims: [...spec.dims], type: spec.type });
    return nBytes;
  }

  /** The declared tensors with their sizes and data offsets, as they will be written. */
  layout(): readonly PlacedTensor[] {
    if (this.state === 'declaring') {
      this.alignment = resolveAlignment(this.kv, this.opts.alignment);
      this.placed = placeTensors(this.specs, this.alignment);
    }
    return this.placed;
  }

  /** Writes the named tensor's data; it must be the next one in declaration order. */
  async writeTensor(name: string, data: TensorData): Promise<void> {
    await this.guard(async () => {
      await this.writeHeaderOnce();
      this.expect('writing', 'write tensor data');
      const t = this.placed[this.next];
      if (!t || t.name !== name) {
        const want = t ? `'${t.name}' is next` : 'all declared tensors are written';
        throw new GGUFError('ESTATE', -1, `cannot write tensor '${name}': ${want}; write data in the order tensors were added`);
      }
      const written = await this.writeData(t, data);
      if (written !== t.nBytes) {
        throw new GGUFError('ESIZE', -1, `tensor '${name}' got ${written} bytes, its type and shape need ${t.nBytes}`);
      }
      await this.pad();
      this.next++;
    });
  }

  /** Checks every tensor was written, syncs, and renames the temp file into place. */
  async finish(): Promise<WriteResult> {
    return this.guard(async () => {
      await this.writeHeaderOnce();
      this.expect('writing', 'finish');
      if (this.next !== this.placed.length) {
        throw new GGUFError('ESTATE', -1, `finish() called after ${this.next} of ${this.placed.length} tensors; '${this.placed[this.next].name}' has no data yet`);
      }
      this.state = 'done';
      await this.handle.sync();
      await this.handle.close();
      await rename(this.tempPath, this.path);
      await syncDirectory(dirname(this.path));
      return { path: this.path, size: this.pos, sha256: this.hash?.digest('hex') };
    });
  }

  /** Discards everything written so far. Safe to call more than once. */
  async abort(): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'done';
    await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }

  private async writeHeaderOnce(): Promise<void> {
    if (this.state !== 'declaring') return;
    this.layout();
    this.state = 'writing';
    const version = this.opts.version ?? GGUF_VERSION;
    await this.put(encodeHeader(this.kv, this.placed, version));
    // ggml pads after the metadata even without tensors; readers only skip it when there are some.
    await this.pad();
  }

  private async writeData(t: PlacedTensor, data: TensorData): Promise<number> {
    if (ArrayBuffer.isView(data)) {
      await this.checkedPut(t, data, 0);
      return data.byteLength;
    }
    if (typeof data === 'function') {
      const bytes = await data();
      await this.checkedPut(t, bytes, 0);
      return bytes.byteLength;
    }
    let total = 0;
    for await (const chunk of data) {
      await this.checkedPut(t, chunk, total);
      total += chunk.byteLength;
    }
    return total;
  }

  /** Refuses to write past a tensor's size, so a wrong producer cannot corrupt the next tensor's slot. */
  private async checkedPut(t: PlacedTensor, bytes: Uint8Array, already: number): Promise<void> {
    if (!ArrayBuffer.isView(bytes)) {
      throw new GGUFError('ESIZE', -1, `tensor '${t.name}' data must be a Uint8Array (Buffer), got ${typeof bytes}`);
    }
    if (already + bytes.byteLength > t.nBytes) {
      throw new GGUFError('ESIZE', -1, `tensor '${t.name}' got more than the ${t.nBytes} bytes its type and shape need`);
    }
    await this.put(bytes);
  }

  private async pad(): Promise<void> {
    const n = padTo(this.pos, this.alignment) - this.pos;
    if (n > 0) await this.put(new Uint8Array(n));
  }

  private async put(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.byteLength - done, this.pos + done);
      done += bytesWritten;
    }
    this.hash?.update(bytes);
    this.pos += bytes.byteLength;
  }

  private expect(state: State, action: string): void {
    if (this.state !== state) {
      const why = this.state === 'done' ? 'the writer is finished or aborted' : 'tensor data has started, the header is fixed';
      throw new GGUFError('ESTATE', -1, `cannot ${action}: ${why}`);
    }
  }

  /** Runs a step; any failure aborts the write so no temp file is left behind. */
  private async guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      await this.abort();
      throw err;
    }
  }
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename durable; some filesystems refuse to fsync a directory, which is harmless.
  const h = await open(dir, 'r').catch(() => undefined);
  if (!h) return;
  await h.sync().catch(() => undefined);
  await h.close();
}
