// Content-addressed blobs: a file's bytes live at blobs/sha256/<2 hex>/<64 hex>
// and its name is its hash, so equal content is stored once and a blob never
// changes. New bytes are written to a temp file under tmp/, hashed while they
// stream, fsynced, and renamed into place; two writers of the same content
// both rename identical bytes onto the same name, which is harmless.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { renameDurably } from './atomic-file';
import { StoreError, throwIfAborted } from './errors';
import { checkDigest } from './names';

export interface IngestOptions {
  /** Reject streams longer than this many bytes (STORE_TOO_LARGE); the temp file is removed. */
  readonly maxBytes?: number;
  /** When given, the content must hash to this digest (STORE_CHECKSUM_MISMATCH otherwise). */
  readonly expectedDigest?: string;
  readonly signal?: AbortSignal;
}

export interface BlobInfo {
  readonly digest: string;
  readonly size: number;
}

export class BlobStore {
  readonly dir: string;
  readonly tmpDir: string;

  constructor(root: string) {
    this.dir = join(root, 'blobs', 'sha256');
    this.tmpDir = join(root, 'tmp');
  }

  pathOf(digest: string): string {
    const hex = checkDigest(digest).slice('sha256:'.length);
    return join(this.dir, hex.slice(0, 2), hex);
  }

  async has(digest: string): Promise<boolean> {
    return (await this.info(digest)) !== undefined;
  }

  async info(digest: string): Promise<BlobInfo | undefined> {
    const s = await stat(this.pathOf(digest)).catch(() => undefined);
    return s?.isFile() ? { digest, size: s.size } : undefined;
  }

  /** Streams `source` into the store; resolves to the blob's digest and size. */
  async ingestStream(source: AsyncIterable<Uint8Array> | Readable, opts: IngestOptions = {}): Promise<BlobInfo> {
    await mkdir(this.tmpDir, { recursive: true });
    const temp = join(this.tmpDir, `${process.pid}.${randomBytes(8).toString('hex')}.partial`);
    const hash = createHash('sha256');
    const h = await open(temp, 'wx');
    let size = 0;
    try {
      for await (const chunk of source) {
        throwIfAborted(opts.signal, 'storing the blob');
        size += chunk.byteLength;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) {
          throw new StoreError('STORE_TOO_LARGE', `the content is larger than the limit of ${opts.maxBytes} bytes; send a smaller file or raise the limit`);
        }
        hash.update(chunk);
        await h.write(chunk);
      }
      await h.sync();
    } catch (err) {
      await h.close();
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    await h.close();
    return this.commit(temp, `sha256:${hash.digest('hex')}`, size, opts.expectedDigest);
  }

  /**
   * Moves an already written file (on the store's filesystem, e.g. a job's work
   * directory) into the store. The file is hashed first; it is gone afterwards.
   */
  async ingestFile(path: string, opts: Pick<IngestOptions, 'expectedDigest' | 'signal'> = {}): Promise<BlobInfo> {
    const { digest, size } = await hashFile(path, opts.signal);
    // fsync the content before it becomes visible under its final name.
    const h = await open(path, 'r+');
    await h.sync().finally(() => h.close());
    return this.commit(path, digest, size, opts.expectedDigest);
  }

  /** Removes a blob; a missing blob is not an error. */
  async remove(digest: string): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  /** Every stored digest. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const prefix of await readdir(this.dir).catch(() => [] as string[])) {
      for (const hex of await readdir(join(this.dir, prefix))) out.push(`sha256:${hex}`);
    }
    return out.sort();
  }

  /** Names of the temp files in tmp/ now (writes in progress or left by a crash); no tmp/ yet means none. */
  async temps(): Promise<string[]> {
    return (await readdir(this.tmpDir).catch(missingAsEmpty)).sort();
  }

  /** Removes temp files left by crashed writers that are older than `maxAgeMs`. */
  async removeStaleTemps(maxAgeMs: number): Promise<number> {
    let removed = 0;
    const now = Date.now();
    for (const name of await readdir(this.tmpDir).catch(() => [] as string[])) {
      const p = join(this.tmpDir, name);
      const s = await stat(p).catch(() => undefined);
      if (s && now - s.mtimeMs >= maxAgeMs) {
        await rm(p, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  private async commit(temp: string, digest: string, size: number, expected: string | undefined): Promise<BlobInfo> {
    if (expected !== undefined && expected !== digest) {
      await unlink(temp).catch(() => undefined);
      throw new StoreError('STORE_CHECKSUM_MISMATCH', `the content hashes to ${digest}, not the expected ${expected}; the source is corrupt or changed, fetch it again`);
    }
    const final = this.pathOf(digest);
    if (await this.has(digest)) {
      await unlink(temp).catch(() => undefined);
    } else {
      await renameDurably(temp, final).catch(async (err) => {
        await unlink(temp).catch(() => undefined);
        throw err;
      });
    }
    return { digest, size };
  }
}

/** tmp/ is created by the first streaming write: its absence is an empty directory, any other error is real. */
function missingAsEmpty(err: NodeJS.ErrnoException): string[] {
  if (err.code === 'ENOENT') return [];
  throw err;
}

/** sha256 of a file's bytes, as `sha256:<hex>`, and its size. */
export async function hashFile(path: string, signal?: AbortSignal): Promise<BlobInfo> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    throwIfAborted(signal, 'hashing the file');
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

