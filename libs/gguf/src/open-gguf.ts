// A GGUF file held open: its validated header plus tensor reads from the same
// descriptor, so the header and the data always come from one file.

import { FileHandle, open } from 'node:fs/promises';
import { GGUFFile, GGUFTensorInfo } from './parse-header';
import { ReadOptions, readGGUFFrom } from './reader';
import { iterateTensorsF32, readTensorData } from './tensor-data';

export class OpenGGUF {
  private constructor(
    readonly path: string,
    readonly file: GGUFFile,
    private readonly handle: FileHandle,
  ) {}

  /** Opens `path` and validates its header; close() when done. */
  static async open(path: string, opts: ReadOptions = {}): Promise<OpenGGUF> {
    const handle = await open(path, 'r');
    try {
      return new OpenGGUF(path, await readGGUFFrom(handle, opts), handle);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** One tensor's raw bytes (by info or name). */
  readTensor(tensor: GGUFTensorInfo | string): Promise<Buffer> {
    return readTensorData(this.handle, this.file, tensor);
  }

  /** F32/F16/BF16 tensors widened to floats, one at a time, in file order. */
  tensorsF32(filter?: (t: GGUFTensorInfo) => boolean): AsyncGenerator<{ tensor: GGUFTensorInfo; data: Float32Array }> {
    return iterateTensorsF32(this.handle, this.file, filter);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
