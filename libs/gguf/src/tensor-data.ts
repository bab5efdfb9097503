// Reading tensor data, one tensor at a time, with positional reads (no mmap),
// plus F16/BF16 → F32 widening for callers that want floats.

import { GGMLType } from '@tessera/native';
import { read as readFd } from 'node:fs';
import { FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { GGUFError } from './errors';
import { GGUFFile, GGUFTensorInfo } from './parse-header';

const readAtFd = promisify(readFd);

/** An open file: a FileHandle from fs.promises.open or a numeric descriptor. */
export type OpenFile = FileHandle | number;

/**
 * The bytes of one tensor. The Buffer owns its memory from offset 0, so typed
 * views (Float32Array, Uint16Array) over it are always aligned.
 */
export async function readTensorData(handle: OpenFile, file: GGUFFile, tensor: GGUFTensorInfo | string): Promise<Buffer> {
  const t = typeof tensor === 'string' ? file.tensorsByName.get(tensor) : tensor;
  if (!t || file.tensorsByName.get(t.name) !== t) {
    const name = typeof tensor === 'string' ? tensor : tensor.name;
    throw new GGUFError('ESTATE', -1, `tensor '${name}' is not part of this file's header; pass a tensor from file.tensors`);
  }
  const out = Buffer.from(new ArrayBuffer(t.nBytes));
  let done = 0;
  while (done < t.nBytes) {
    const pos = t.absoluteOffset + done;
    const { bytesRead } =
      typeof handle === 'number'
        ? await readAtFd(handle, out, done, t.nBytes - done, pos)
        : await handle.read(out, done, t.nBytes - done, pos);
    if (bytesRead === 0) {
      throw new GGUFError('ETRUNCATED', pos, `tensor '${t.name}' data is cut short: the file is shorter than its header says (re-copy or re-download it)`);
    }
    done += bytesRead;
  }
  return out;
}

/** Widens F32/F16/BF16 tensor bytes to a Float32Array (F32 is viewed, not copied). */
export function toFloat32(type: GGMLType, bytes: Uint8Array, name = 'tensor'): Float32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  switch (type) {
    case GGMLType.F32:
      return new Float32Array(aligned.buffer, aligned.byteOffset, bytes.byteLength / 4);
    case GGMLType.F16:
      return widen(aligned, halfBitsTable());
    case GGMLType.BF16:
      return widen(aligned, undefined);
    default:
      throw new GGUFError('EBADTENSORTYPE', -1, `${name} has type ${GGMLType[type] ?? type}; only F32, F16 and BF16 widen to floats here (dequantize quantized types natively)`);
  }
}

/** True for the types toFloat32 can widen. */
export function isFloatType(type: GGMLType): boolean {
  return type === GGMLType.F32 || type === GGMLType.F16 || type === GGMLType.BF16;
}

/**
 * Streams tensors as floats in header order, one at a time. By default only the
 * F32/F16/BF16 ones; a filter that picks a quantized tensor gets EBADTENSORTYPE.
 */
export async function* iterateTensorsF32(
  handle: OpenFile,
  file: GGUFFile,
  filter: (t: GGUFTensorInfo) => boolean = (t) => isFloatType(t.type),
): AsyncGenerator<{ tensor: GGUFTensorInfo; data: Float32Array }> {
  for (const tensor of file.tensors) {
    if (!filter(tensor)) continue;
    const bytes = await readTensorData(handle, file, tensor);
    yield { tensor, data: toFloat32(tensor.type, bytes, `tensor '${tensor.name}'`) };
  }
}

/** Half-float bit pattern → the float32 value as a number (exact; NaN payloads kept in the bits table). */
export function f16ToF32(h: number): number {
  const bits = halfBitsTable()[h & 0xffff];
  BITS_U32[0] = bits;
  return BITS_F32[0];
}

/** bfloat16 bit pattern → float32 value. */
export function bf16ToF32(h: number): number {
  BITS_U32[0] = (h & 0xffff) << 16;
  return BITS_F32[0];
}

const BITS_U32 = new Uint32Array(1);
const BITS_F32 = new Float32Array(BITS_U32.buffer);

/** 16-bit → 32-bit widening; `table` maps half bits to float bits, none means bf16 (shift). */
function widen(bytes: Uint8Array, table: Uint32Array | undefined): Float32Array {
  const n = bytes.byteLength >>> 1;
  const src = bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint16Array(new Uint8Array(bytes).buffer, 0, n);
  const dst = new Uint32Array(n);
  if (table) for (let i = 0; i < n; i++) dst[i] = table[src[i]];
  else for (let i = 0; i < n; i++) dst[i] = src[i] << 16;
  return new Float32Array(dst.buffer);
}

let halfTable: Uint32Array | undefined;

/** float32 bit patterns for all 65536 half values, built once (256 KiB). */
function halfBitsTable(): Uint32Array {
  if (halfTable) return halfTable;
  const table = new Uint32Array(65536);
  const f = new Float32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) {
      table[h] = (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf / NaN, payload kept
    } else if (exp === 0) {
      f[h] = (sign ? -1 : 1) * mant * 2 ** -24; // zero and subnormals: exact in float32
    } else {
      table[h] = (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
    }
  }
  halfTable = table;
  return table;
}
