// The ordered key/value list of a GGUF file. A JS Map keeps insertion order,
// and delete-then-set moves a key to the end: exactly ggml's writer semantics
// ("setting an existing key removes it and appends it").

import { GGUFError } from './errors';
import {
  GGUFArray,
  GGUFElementType,
  GGUFValue,
  GGUFValueType,
  assertEncodable,
  isBigIntType,
  isNumberType,
  valueTypeName,
} from './values';

export interface GGUFKeyValue {
  key: string;
  value: GGUFValue;
}

export class GGUFMetadata {
  private readonly map = new Map<string, GGUFValue>();

  constructor(entries: Iterable<GGUFKeyValue> = []) {
    for (const { key, value } of entries) this.set(key, value);
  }

  /** Wraps values that a parser has already decoded and checked (no re-validation). */
  static fromDecoded(map: Map<string, GGUFValue>): GGUFMetadata {
    const md = new GGUFMetadata();
    for (const [k, v] of map) md.map.set(k, v);
    return md;
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get(key: string): GGUFValue | undefined {
    return this.map.get(key);
  }

  /** Adds `key` at the end; an existing key is removed first (moves to the end). */
  set(key: string, value: GGUFValue): this {
    if (key.length === 0) throw new GGUFError('EEMPTYKEY', -1, 'metadata keys must not be empty');
    assertEncodable(key, value);
    this.map.delete(key);
    this.map.set(key, value);
    return this;
  }

  delete(key: string): boolean {
    return this.map.delete(key);
  }

  keys(): string[] {
    return [...this.map.keys()];
  }

  /** The pairs in file order. */
  list(): GGUFKeyValue[] {
    return [...this.map].map(([key, value]) => ({ key, value }));
  }

  asMap(): ReadonlyMap<string, GGUFValue> {
    return this.map;
  }

  [Symbol.iterator](): IterableIterator<[string, GGUFValue]> {
    return this.map[Symbol.iterator]();
  }

  /** A copy whose edits do not touch this one (values are shared: treat them as immutable). */
  clone(): GGUFMetadata {
    return new GGUFMetadata(this.list());
  }

  getString(key: string): string {
    return this.req(key, this.optString(key));
  }
  optString(key: string): string | undefined {
    const v = this.ofType(key, 'STRING', (x) => x.type === GGUFValueType.STRING);
    return v?.value as string | undefined;
  }

  /** A UINT32 value; other integer widths are rejected, as llama.cpp does. */
  getU32(key: string): number {
    return this.req(key, this.optU32(key));
  }
  optU32(key: string): number | undefined {
    return this.ofType(key, 'UINT32', (x) => x.type === GGUFValueType.UINT32)?.value as number | undefined;
  }

  /** A FLOAT32 value, exactly that type. */
  getF32(key: string): number {
    return this.req(key, this.optF32(key));
  }
  optF32(key: string): number | undefined {
    return this.ofType(key, 'FLOAT32', (x) => x.type === GGUFValueType.FLOAT32)?.value as number | undefined;
  }

  getBool(key: string): boolean {
    return this.req(key, this.optBool(key));
  }
  optBool(key: string): boolean | undefined {
    return this.ofType(key, 'BOOL', (x) => x.type === GGUFValueType.BOOL)?.value as boolean | undefined;
  }

  /** Any numeric scalar as a JS number; 64-bit integers only when exactly representable. */
  getNumber(key: string): number {
    return this.req(key, this.optNumber(key));
  }
  optNumber(key: string): number | undefined {
    const v = this.ofType(key, 'a number', (x) => isNumberType(x.type) || isBigIntType(x.type));
    if (v === undefined) return undefined;
    if (typeof v.value === 'number') return v.value;
    const n = Number(v.value as bigint);
    if (!Number.isSafeInteger(n)) {
      throw new GGUFError('EWRONGTYPE', -1, `metadata key '${key}' = ${v.value} does not fit a JS number; read it with getBigInt`);
    }
    return n;
  }

  /** A UINT64 or INT64 value. */
  getBigInt(key: string): bigint {
    const v = this.ofType(key, 'UINT64 or INT64', (x) => isBigIntType(x.type));
    return this.req(key, v?.value as bigint | undefined);
  }

  /** An array, optionally of one element type. */
  getArray(key: string, elemType?: GGUFElementType): GGUFArray {
    return this.req(key, this.optArray(key, elemType));
  }
  optArray(key: string, elemType?: GGUFElementType): GGUFArray | undefined {
    const want = elemType === undefined ? 'ARRAY' : `ARRAY of ${valueTypeName(elemType)}`;
    const v = this.ofType(key, want, (x) => x.type === GGUFValueType.ARRAY && (elemType === undefined || x.elemType === elemType));
    return v as GGUFArray | undefined;
  }

  getStringArray(key: string): string[] {
    return this.getArray(key, GGUFValueType.STRING).value as string[];
  }

  /** An array of any 8..32-bit integer or float element type, as numbers. */
  getNumberArray(key: string): number[] {
    const arr = this.getArray(key);
    if (!isNumberType(arr.elemType)) {
      throw new GGUFError('EWRONGTYPE', -1, `metadata key '${key}' is an ARRAY of ${valueTypeName(arr.elemType)}, expected numbers`);
    }
    return arr.value as number[];
  }

  private ofType(key: string, want: string, ok: (v: GGUFValue) => boolean): GGUFValue | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (!ok(v)) {
      const got = v.type === GGUFValueType.ARRAY ? `ARRAY of ${valueTypeName(v.elemType)}` : valueTypeName(v.type);
      throw new GGUFError('EWRONGTYPE', -1, `metadata key '${key}' has type ${got}, expected ${want}; fix the writer that produced the file`);
    }
    return v;
  }

  private req<T>(key: string, v: T | undefined): T {
    if (v === undefined) {
      throw new GGUFError('EMISSINGKEY', -1, `metadata key '${key}' is missing; the file was written without it (re-convert the model)`);
    }
    return v;
  }
}
