// Small GGUF inputs for tests and the fuzzer: a raw field builder that can
// write invalid files on purpose, and tiny valid files covering every value type.

import { GGMLType } from '@tessera/native';
import { buildGGUF } from './build-gguf';
import { GGUFMetadata } from './metadata';
import { GGUFValueType, ggufValue as v } from './values';

/** Appends little-endian fields with no checks at all. */
export class RawGGUF {
  private parts: Buffer[] = [];

  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }
  /** Magic, version and both counts. */
  header(nTensors: number | bigint, nKV: number | bigint, version = 3): this {
    return this.bytes(Buffer.from('GGUF', 'latin1')).u32(version).i64(nTensors).i64(nKV);
  }
  u8(x: number): this {
    return this.bytes(Buffer.from([x & 0xff]));
  }
  u32(x: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(x >>> 0);
    return this.bytes(b);
  }
  i32(x: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(x);
    return this.bytes(b);
  }
  u64(x: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(x)));
    return this.bytes(b);
  }
  i64(x: number | bigint): this {
    return this.u64(x);
  }
  /** A string field: u64 length + bytes (given as text or raw bytes). */
  str(s: string | Uint8Array): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s);
    return this.u64(b.length).bytes(b);
  }
  /** One key/value of a fixed-size scalar type. */
  kvU32(key: string, x: number): this {
    return this.str(key).i32(GGUFValueType.UINT32).u32(x);
  }
  kvString(key: string, s: string | Uint8Array): this {
    return this.str(key).i32(GGUFValueType.STRING).str(s);
  }
  tensorInfo(name: string | Uint8Array, dims: (number | bigint)[], type: number, offset: number | bigint): this {
    this.str(name).u32(dims.length);
    for (const d of dims) this.i64(d);
    return this.i32(type).u64(offset);
  }
  /** Zero bytes up to a multiple of `align`. */
  pad(align: number): this {
    const rem = this.length % align;
    return rem === 0 ? this : this.bytes(Buffer.alloc(align - rem));
  }
  zeros(n: number): this {
    return this.bytes(Buffer.alloc(n));
  }
  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Metadata holding one key of every value type and every array element type. */
export function everyValueType(): GGUFMetadata {
  return new GGUFMetadata()
    .set('general.architecture', v.string('llama'))
    .set('t.u8', v.u8(255))
    .set('t.i8', v.i8(-128))
    .set('t.u16', v.u16(65535))
    .set('t.i16', v.i16(-32768))
    .set('t.u32', v.u32(4294967295))
    .set('t.i32', v.i32(-2147483648))
    .set('t.f32', v.f32(Math.fround(0.1)))
    .set('t.f64', v.f64(0.1))
    .set('t.u64', v.u64(18446744073709551615n))
    .set('t.i64', v.i64(-9223372036854775808n))
    .set('t.bool', v.bool(true))
    .set('t.str', v.string('\uFEFFbom kept, ünïcödé, 🦙'))
    .set('t.empty', v.string(''))
    .set('a.u8', v.array(GGUFValueType.UINT8, [0, 1, 255]))
    .set('a.i16', v.array(GGUFValueType.INT16, [-1, 2]))
    .set('a.f32', v.array(GGUFValueType.FLOAT32, [1.5, -0, Infinity]))
    .set('a.u64', v.array(GGUFValueType.UINT64, [1n, 2n ** 63n]))
    .set('a.bool', v.array(GGUFValueType.BOOL, [true, false]))
    .set('a.str', v.array(GGUFValueType.STRING, ['a', '', 'Ġthe']))
    .set('a.empty', v.array(GGUFValueType.INT32, []));
}

function patterned(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

/** A tiny valid file: every value type plus tensors of several types and shapes. */
export function tinyGGUF(alignment = 32): Buffer {
  const kv = everyValueType();
  if (alignment !== 32) kv.set('general.alignment', v.u32(alignment));
  return buildGGUF(
    kv,
    [
      { name: 'norm.weight', dims: [8], type: GGMLType.F32, data: patterned(32, 1) },
      { name: 'blk.0.w', dims: [32, 2], type: GGMLType.Q4_0, data: patterned(36, 2) },
      { name: 'half', dims: [3, 1, 2], type: GGMLType.F16, data: patterned(12, 3) },
      { name: 'k', dims: [256], type: GGMLType.Q4_K, data: patterned(144, 4) },
    ],
    { alignment },
  );
}
