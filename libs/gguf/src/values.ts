// Metadata values keep their exact on-disk type, so a key/value read from one
// file is written to another byte for byte (64-bit integers stay bigint).

import { GGUFError } from './errors';

/** Value type ids as stored in the file (int32). */
export enum GGUFValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

export type GGUFNumberType =
  | GGUFValueType.UINT8
  | GGUFValueType.INT8
  | GGUFValueType.UINT16
  | GGUFValueType.INT16
  | GGUFValueType.UINT32
  | GGUFValueType.INT32
  | GGUFValueType.FLOAT32
  | GGUFValueType.FLOAT64;
export type GGUFBigIntType = GGUFValueType.UINT64 | GGUFValueType.INT64;
/** Every type an array element may have (nested arrays are rejected by ggml). */
export type GGUFElementType = GGUFNumberType | GGUFBigIntType | GGUFValueType.BOOL | GGUFValueType.STRING;

export type GGUFScalar =
  | { type: GGUFNumberType; value: number }
  | { type: GGUFBigIntType; value: bigint }
  | { type: GGUFValueType.BOOL; value: boolean }
  | { type: GGUFValueType.STRING; value: string };

export type GGUFArray =
  | { type: GGUFValueType.ARRAY; elemType: GGUFNumberType; value: number[] }
  | { type: GGUFValueType.ARRAY; elemType: GGUFBigIntType; value: bigint[] }
  | { type: GGUFValueType.ARRAY; elemType: GGUFValueType.BOOL; value: boolean[] }
  | { type: GGUFValueType.ARRAY; elemType: GGUFValueType.STRING; value: string[] };

export type GGUFValue = GGUFScalar | GGUFArray;

/** Element value for an element type, used by typed array helpers. */
export type GGUFElementValue<T extends GGUFElementType> = T extends GGUFBigIntType
  ? bigint
  : T extends GGUFValueType.BOOL
    ? boolean
    : T extends GGUFValueType.STRING
      ? string
      : number;

/** Fixed byte width of a scalar type; 0 for STRING and ARRAY (variable). */
export function fixedSizeOf(type: GGUFValueType): number {
  switch (type) {
    case GGUFValueType.UINT8:
    case GGUFValueType.INT8:
    case GGUFValueType.BOOL:
      return 1;
    case GGUFValueType.UINT16:
    case GGUFValueType.INT16:
      return 2;
    case GGUFValueType.UINT32:
    case GGUFValueType.INT32:
    case GGUFValueType.FLOAT32:
      return 4;
    case GGUFValueType.UINT64:
    case GGUFValueType.INT64:
    case GGUFValueType.FLOAT64:
      return 8;
    default:
      return 0;
  }
}

export function isValueType(id: number): id is GGUFValueType {
  return Number.isInteger(id) && id >= GGUFValueType.UINT8 && id <= GGUFValueType.FLOAT64;
}

export function isNumberType(t: GGUFValueType): t is GGUFNumberType {
  return fixedSizeOf(t) > 0 && t !== GGUFValueType.BOOL && !isBigIntType(t);
}

export function isBigIntType(t: GGUFValueType): t is GGUFBigIntType {
  return t === GGUFValueType.UINT64 || t === GGUFValueType.INT64;
}

export function valueTypeName(t: number): string {
  return GGUFValueType[t] ?? `type ${t}`;
}

/** Short constructors: `ggufValue.u32(2)`, `ggufValue.array(GGUFValueType.STRING, tokens)`. */
export const ggufValue = {
  u8: (value: number): GGUFScalar => ({ type: GGUFValueType.UINT8, value }),
  i8: (value: number): GGUFScalar => ({ type: GGUFValueType.INT8, value }),
  u16: (value: number): GGUFScalar => ({ type: GGUFValueType.UINT16, value }),
  i16: (value: number): GGUFScalar => ({ type: GGUFValueType.INT16, value }),
  u32: (value: number): GGUFScalar => ({ type: GGUFValueType.UINT32, value }),
  i32: (value: number): GGUFScalar => ({ type: GGUFValueType.INT32, value }),
  f32: (value: number): GGUFScalar => ({ type: GGUFValueType.FLOAT32, value }),
  f64: (value: number): GGUFScalar => ({ type: GGUFValueType.FLOAT64, value }),
  u64: (value: bigint): GGUFScalar => ({ type: GGUFValueType.UINT64, value }),
  i64: (value: bigint): GGUFScalar => ({ type: GGUFValueType.INT64, value }),
  bool: (value: boolean): GGUFScalar => ({ type: GGUFValueType.BOOL, value }),
  string: (value: string): GGUFScalar => ({ type: GGUFValueType.STRING, value }),
  array<T extends GGUFElementType>(elemType: T, value: GGUFElementValue<T>[]): GGUFArray {
    return { type: GGUFValueType.ARRAY, elemType, value } as GGUFArray;
  },
};

const INT_RANGES: Partial<Record<GGUFValueType, [number, number]>> = {
  [GGUFValueType.UINT8]: [0, 0xff],
  [GGUFValueType.INT8]: [-0x80, 0x7f],
  [GGUFValueType.UINT16]: [0, 0xffff],
  [GGUFValueType.INT16]: [-0x8000, 0x7fff],
  [GGUFValueType.UINT32]: [0, 0xffffffff],
  [GGUFValueType.INT32]: [-0x80000000, 0x7fffffff],
};
const BIGINT_RANGES: Partial<Record<GGUFValueType, [bigint, bigint]>> = {
  [GGUFValueType.UINT64]: [0n, (1n << 64n) - 1n],
  [GGUFValueType.INT64]: [-(1n << 63n), (1n << 63n) - 1n],
};

/** Why `v` cannot be stored as `type`, or undefined when it can. */
export function elementProblem(type: GGUFValueType, v: unknown): string | undefined {
  const intRange = INT_RANGES[type];
  if (intRange) {
    return typeof v === 'number' && Number.isInteger(v) && v >= intRange[0] && v <= intRange[1]
      ? undefined
      : `${String(v)} is not an integer in [${intRange[0]}, ${intRange[1]}]`;
  }
  const bigRange = BIGINT_RANGES[type];
  if (bigRange) {
    return typeof v === 'bigint' && v >= bigRange[0] && v <= bigRange[1]
      ? undefined
      : `${String(v)} is not a bigint in [${bigRange[0]}, ${bigRange[1]}]`;
  }
  switch (type) {
    case GGUFValueType.FLOAT32:
    case GGUFValueType.FLOAT64:
      return typeof v === 'number' ? undefined : `${String(v)} is not a number`;
    case GGUFValueType.BOOL:
      return typeof v === 'boolean' ? undefined : `${String(v)} is not a boolean`;
    case GGUFValueType.STRING:
      return typeof v === 'string' && isWellFormed(v) ? undefined : 'not a well-formed string (lone UTF-16 surrogate?)';
    default:
      return `type ${valueTypeName(type)} is not allowed here`;
  }
}

/** Throws EBADVALUE when `value` cannot be written as its declared type. */
export function assertEncodable(key: string, value: GGUFValue): void {
  if (value.type === GGUFValueType.ARRAY) {
    if (!Array.isArray(value.value)) {
      throw new GGUFError('EBADVALUE', -1, `key '${key}': an ARRAY value must hold a JS array`);
    }
    if (!isValueType(value.elemType) || (value.elemType as GGUFValueType) === GGUFValueType.ARRAY) {
      throw new GGUFError('EBADVALUE', -1, `key '${key}': array element type ${valueTypeName(value.elemType)} is not allowed (no nested arrays)`);
    }
    const items = value.value as unknown[];
    for (let i = 0; i < items.length; i++) {
      const problem = elementProblem(value.elemType, items[i]);
      if (problem) {
        throw new GGUFError('EBADVALUE', -1, `key '${key}' element ${i} as ${valueTypeName(value.elemType)}: ${problem}`);
      }
    }
    return;
  }
  const problem = isValueType(value.type) ? elementProblem(value.type, value.value) : 'unknown value type';
  if (problem) {
    throw new GGUFError('EBADVALUE', -1, `key '${key}' as ${valueTypeName(value.type)}: ${problem}`);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}
