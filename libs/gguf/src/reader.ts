// Two drivers for the header parser: a whole buffer in memory, and a file read
// window by window (only the header region is ever read, never tensor data).

import { FileHandle, open } from 'node:fs/promises';
import { ByteWindow } from './byte-window';
import { GGUFError } from './errors';
import { GGUFFile, ParseOptions, parseHeader } from './parse-header';

export interface ParseBytesOptions extends ParseOptions {
  /**
   * Size of the whole file when `bytes` holds only its beginning (the header
   * region); tensor bounds are checked against it. Default: bytes.length.
   */
  fileSize?: number;
}

export interface ReadOptions extends ParseOptions {
  /** Bytes read per step (default 1 MiB); the window grows for longer strings. */
  chunkSize?: number;
}

/** Parses a GGUF header from memory. Throws GGUFError on any invalid input. */
export function parseGGUF(bytes: Uint8Array, opts: ParseBytesOptions = {}): GGUFFile {
  const fileSize = opts.fileSize ?? bytes.byteLength;
  if (!Number.isSafeInteger(fileSize) || fileSize < bytes.byteLength) {
    throw new RangeError(`fileSize ${fileSize} must be an integer ≥ the ${bytes.byteLength} bytes given`);
  }
  const steps = parseHeader(new ByteWindow(bytes, fileSize), opts);
  // Everything we have is already in the window: a request for more bytes just
  // resumes the parser, whose next read then reports ETRUNCATED.
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Reads and validates the header of the GGUF file at `path`. */
export async function readGGUF(path: string, opts: ReadOptions = {}): Promise<GGUFFile> {
  const handle = await open(path, 'r');
  try {
    return await readGGUFFrom(handle, opts);
  } finally {
    await handle.close();
  }
}

/** Same as readGGUF, on a file that is already open (reads from offset 0 with positional reads). */
export async function readGGUFFrom(handle: FileHandle, opts: ReadOptions = {}): Promise<GGUFFile> {
  const chunkSize = opts.chunkSize ?? 1 << 20;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const { size } = await handle.stat();
  const window = new ByteWindow(new Uint8Array(0), size);
  const steps = parseHeader(window, opts);
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done) return r.value;
    await refill(window, r.value, chunkSize, (buf, off, len, pos) => handle.read(buf, off, len, pos));
  }
}

type ReadAt = (buf: Uint8Array, off: number, len: number, pos: number) => Promise<{ bytesRead: number }>;

/** Slides the window so at least `need` unread bytes are present, or the file's end is reached. */
async function refill(window: ByteWindow, need: number, chunkSize: number, readAt: ReadAt): Promise<void> {
  const { target, start } = window.compact(Math.max(need, chunkSize));
  const limit = Math.min(target.byteLength, start + window.fileSize - window.windowEnd);
  let filled = start;
  while (filled < limit) {
    const { bytesRead } = await readAt(target, filled, limit - filled, window.windowEnd + (filled - start));
    if (bytesRead === 0) break; // the file shrank under us: the parser reports ETRUNCATED
    filled += bytesRead;
  }
  window.grew(filled - start);
}

