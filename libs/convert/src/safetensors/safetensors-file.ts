// One open .safetensors file. The header is parsed once; tensor bytes are
// read on demand at their file offset, a slice at a time, so a file larger
// than memory can be processed.

import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { ConvertError } from '../errors';
import { SafetensorsEntry, SafetensorsHeader, parseHeaderJson, parseHeaderLength } from './header';

export class SafetensorsFile {
  private readonly byName: Map<string, SafetensorsEntry>;

  private constructor(
    readonly path: string,
    private readonly fh: fsp.FileHandle,
    readonly header: SafetensorsHeader,
  ) {
    this.byName = new Map(header.entries.map((e) => [e.name, e]));
  }

  static async open(path: string): Promise<SafetensorsFile> {
    const label = basename(path);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(path, 'r');
    } catch (e) {
      throw new ConvertError('CONVERT_MISSING_FILE', `cannot open ${path}: ${(e as Error).message}`);
    }
    try {
      const size = (await fh.stat()).size;
      const first8 = Buffer.alloc(Math.min(8, size));
      await readFully(fh, first8, 0, label);
      const len = parseHeaderLength(first8, size, label);
      const json = Buffer.alloc(len);
      await readFully(fh, json, 8, label);
      const header = parseHeaderJson(json, size - 8 - len, label);
      return new SafetensorsFile(path, fh, header);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  entry(name: string): SafetensorsEntry | undefined {
    return this.byName.get(name);
  }

  /** Reads `length` bytes starting `offset` bytes into the tensor's data. */
  async readBytes(name: string, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    const e = this.byName.get(name);
    if (!e) throw new ConvertError('CONVERT_TENSOR_MISMATCH', `${basename(this.path)} has no tensor '${name}'`);
    if (offset < 0 || length < 0 || offset + length > e.end - e.begin) {
      throw new RangeError(`read [${offset}, ${offset + length}) is outside tensor '${name}' (${e.end - e.begin} bytes)`);
    }
    const buf = into ?? Buffer.allocUnsafe(length);
    await readFully(this.fh, buf.subarray(0, length), this.header.dataStart + e.begin + offset, basename(this.path));
    return buf.subarray(0, length);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Fills `buf` from `position`; a short read means the file shrank or was cut. */
async function readFully(fh: fsp.FileHandle, buf: Buffer, position: number, label: string): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) {
      throw new ConvertError('CONVERT_TRUNCATED', `${label}: unexpected end of file at byte ${position + done}; the file is truncated (re-download it)`);
    }
    done += bytesRead;
  }
}
