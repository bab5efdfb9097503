// A little-endian cursor over a window of a file. The parser asks "do I have n
// bytes?" before each field; when not, it yields n and the driver (in-memory or
// file) slides the window forward. Reads past the window throw ETRUNCATED, so a
// driver that cannot supply more bytes needs no special handling.

import { GGUFError } from './errors';


export class ByteWindow {
  private bytes: Buffer;
  private view: DataView;
  /** Absolute file offset of bytes[0]. */
  private base = 0;
  /** Index of the next unread byte in `bytes`. */
  private pos = 0;
  /** Number of valid bytes in `bytes`. */
  private end: number;

  /**
   * @param initial  bytes starting at file offset 0
   * @param fileSize size of the whole file (≥ initial.length); limits checks use it
   */
  constructor(
    initial: Uint8Array,
    readonly fileSize: number,
  ) {
    this.bytes = Buffer.from(initial.buffer, initial.byteOffset, initial.byteLength);
    this.view = new DataView(initial.buffer, initial.byteOffset, initial.byteLength);
    this.end = initial.byteLength;
  }

  /** Absolute file offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** File offset just past the last byte held in the window. */
  get windowEnd(): number {
    return this.base + this.end;
  }

  /** True when fewer than `n` unread bytes are in the window. */
  lacks(n: number): boolean {
    return this.end - this.pos < n;
  }

  /** Bytes between the cursor and the end of the file. */
  remainingInFile(): number {
    return this.fileSize - this.offset;
  }

  /**
   * Keeps the unread bytes and makes room for at least `capacity` bytes,
   * returning the region the driver should fill next (offset into `target`).
   */
  compact(capacity: number): { target: Uint8Array; start: number } {
    const unread = this.end - this.pos;
    const size = Math.max(capacity, unread);
    const next = size > this.bytes.length ? Buffer.allocUnsafe(size) : this.bytes;
    this.bytes.copy(next, 0, this.pos, this.end);
    this.base += this.pos;
    this.pos = 0;
    this.end = unread;
    this.setBytes(next);
    return { target: next, start: unread };
  }

  /** Records that the driver wrote `n` more bytes after the unread ones. */
  grew(n: number): void {
    this.end += n;
  }

  skip(n: number): void {
    this.take(n);
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }
  i8(): number {
    return this.view.getInt8(this.take(1));
  }
  u16(): number {
    return this.view.getUint16(this.take(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.take(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.take(4), true);
  }
  f32(): number {
    return this.view.getFloat32(this.take(4), true);
  }
  f64(): number {
    return this.view.getFloat64(this.take(8), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.take(8), true);
  }
  i64(): bigint {
    return this.view.getBigInt64(this.take(8), true);
  }

  /** `n` bytes decoded as strict UTF-8 (a BOM is kept); undefined when they are not valid UTF-8. */
  utf8(n: number): string | undefined {
    const start = this.take(n);
    if (!isStrictUtf8(this.bytes, start, start + n)) return undefined;
    return this.bytes.toString('utf8', start, start + n);
  }

  private take(n: number): number {
    if (this.end - this.pos < n) {
      throw new GGUFError(
        'ETRUNCATED',
        this.offset,
        `needed ${n} bytes but only ${this.end - this.pos} remain (file size ${this.fileSize}); the file is truncated: re-copy or re-download it`,
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private setBytes(b: Buffer): void {
    this.bytes = b;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
}

/**
 * Well-formed UTF-8 per the Unicode standard (what a fatal TextDecoder accepts):
 * no overlong forms, no surrogates, nothing above U+10FFFF. Checked in place,
 * because decoding each of a vocabulary's strings through TextDecoder is slow.
 */
export function isStrictUtf8(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return false;
    if (i + need >= end) return false; // sequence cut off by the end of the string
    const second = b[i + 1];
    if (second < lo || second > hi) return false;
    for (let k = 2; k <= need; k++) {
      const cont = b[i + k];
      if (cont < 0x80 || cont > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}
