// Just enough GGUF reading for the kernel tests: tensor names, types, shapes
// and data. (libs/gguf depends on this package, so tests here cannot use it.)
import { readFileSync } from 'node:fs';

export interface TestTensor {
  name: string;
  type: number;
  ne: number[];
  nElements: number;
  /** The tensor's bytes (a view into the file buffer). */
  data: Uint8Array;
}

// Byte sizes of the fixed-width KV value types (gguf_type ids 0..12).
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    const v = Number(this.buf.readBigUInt64LE(this.pos));
    this.pos += 8;
    return v;
  }
  str(): string {
    const n = this.u64();
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  skipValue(type: number): void {
    if (type === STRING) this.str();
    else if (type === ARRAY) {
      const elem = this.u32();
      const count = this.u64();
      for (let i = 0; i < count; i++) this.skipValue(elem);
    } else this.pos += SCALAR_SIZE[type] ?? Number.NaN;
  }
}

/**
 * Tensors of a GGUF file, in file order. `sizeOf(type, nElements)` gives a
 * tensor's byte length (pass the type table's row size).
 */
export function readTestTensors(path: string, sizeOf: (type: number, nElements: number) => number): TestTensor[] {
  const buf = readFileSync(path);
  const c = new Cursor(buf);
  if (buf.toString('latin1', 0, 4) !== 'GGUF') throw new Error(`${path} is not a GGUF file`);
  c.pos = 4;
  c.u32(); // version
  const nTensors = c.u64();
  const nKv = c.u64();
  let alignment = 32;
  for (let i = 0; i < nKv; i++) {
    const key = c.str();
    const type = c.u32();
    if (key === 'general.alignment' && type === 4) alignment = c.u32();
    else c.skipValue(type);
  }
  const infos: { name: string; type: number; ne: number[]; offset: number }[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = c.str();
    const nDims = c.u32();
    const ne = Array.from({ length: nDims }, () => c.u64());
    const type = c.u32();
    infos.push({ name, type, ne, offset: c.u64() });
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  return infos.map(({ name, type, ne, offset }) => {
    const nElements = ne.reduce((a, b) => a * b, 1);
    const begin = dataStart + offset;
    return { name, type, ne, nElements, data: buf.subarray(begin, begin + sizeOf(type, nElements)) };
  });
}

/** A tensor's F32 data as a Float32Array (copied, so it is aligned). */
export function asFloat32(t: TestTensor): Float32Array {
  const out = new Float32Array(t.nElements);
  new Uint8Array(out.buffer).set(t.data);
  return out;
}
