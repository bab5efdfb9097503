// Streaming safetensors writer: the header is computed from names, dtypes and
// shapes alone, then each tensor's bytes are written in order from a chunk
// source. Written to a temp name and renamed when complete.

import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SAFETENSORS_DTYPE_SIZES } from './dtypes';

export interface SafetensorsTensorSource {
  readonly name: string;
  readonly dtype: string;
  /** Row-major shape. */
  readonly shape: readonly number[];
  chunks(): AsyncIterable<Uint8Array>;
}

/** The header bytes (length prefix included) for tensors stored in the given order. */
export function encodeSafetensorsHeader(tensors: readonly Omit<SafetensorsTensorSource, 'chunks'>[], metadata: Record<string, string> = { format: 'pt' }): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const size = SAFETENSORS_DTYPE_SIZES[t.dtype];
    if (size === undefined) throw new RangeError(`unknown safetensors dtype ${t.dtype}`);
    const n = t.shape.reduce((a, b) => a * b, 1) * size;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference library does.
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const body = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + body.length);
  out.writeBigUInt64LE(BigInt(body.length), 0);
  body.copy(out, 8);
  return out;
}

export async function writeSafetensors(path: string, tensors: readonly SafetensorsTensorSource[], metadata?: Record<string, string>): Promise<number> {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
  const fh = await open(temp, 'wx');
  let pos = 0;
  const put = async (bytes: Uint8Array) => {
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, pos + done);
      done += bytesWritten;
    }
    pos += bytes.byteLength;
  };
  try {
    await put(encodeSafetensorsHeader(tensors, metadata));
    for (const t of tensors) {
      const want = t.shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_SIZES[t.dtype];
      let got = 0;
      for await (const chunk of t.chunks()) {
        got += chunk.byteLength;
        if (got > want) throw new RangeError(`tensor '${t.name}' produced more than its ${want} bytes`);
        await put(chunk);
      }
      if (got !== want) throw new RangeError(`tensor '${t.name}' produced ${got} bytes, expected ${want}`);
    }
    await fh.close();
    await rename(temp, path);
    return pos;
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}
