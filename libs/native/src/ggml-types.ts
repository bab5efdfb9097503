// The ggml tensor type table: on-disk ids, block sizes and bytes per block.
// Pure data, safe to import without loading the addon. Ids and sizes are the
// file format's facts (ggml.h / ggml-common.h); removed ids have no entry.

export enum GGMLType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
}

/** One past the highest id the reference knows (GGML_TYPE_COUNT). */
export const GGML_TYPE_COUNT = 43;

export interface TypeTraits {
  readonly type: GGMLType;
  readonly name: string;
  /** Elements per block (1 for plain float/int types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
  /** True when our native kernels can produce this type from F32. */
  readonly quantizable: boolean;
  /** True when our native kernels can turn this type back into F32. */
  readonly dequantizable: boolean;
}

type Row = [GGMLType, string, number, number, boolean];
// [type, name, block size, bytes per block, implemented by libs/native]
const ROWS: Row[] = [
  [GGMLType.F32, 'F32', 1, 4, true],
  [GGMLType.F16, 'F16', 1, 2, true],
  [GGMLType.Q4_0, 'Q4_0', 32, 18, true],
  [GGMLType.Q4_1, 'Q4_1', 32, 20, true],
  [GGMLType.Q5_0, 'Q5_0', 32, 22, true],
  [GGMLType.Q5_1, 'Q5_1', 32, 24, true],
  [GGMLType.Q8_0, 'Q8_0', 32, 34, true],
  [GGMLType.Q8_1, 'Q8_1', 32, 36, false],
  [GGMLType.Q2_K, 'Q2_K', 256, 84, true],
  [GGMLType.Q3_K, 'Q3_K', 256, 110, true],
  [GGMLType.Q4_K, 'Q4_K', 256, 144, true],
  [GGMLType.Q5_K, 'Q5_K', 256, 176, true],
  [GGMLType.Q6_K, 'Q6_K', 256, 210, true],
  [GGMLType.Q8_K, 'Q8_K', 256, 292, false],
  [GGMLType.IQ2_XXS, 'IQ2_XXS', 256, 66, false],
  [GGMLType.IQ2_XS, 'IQ2_XS', 256, 74, false],
  [GGMLType.IQ3_XXS, 'IQ3_XXS', 256, 98, false],
  [GGMLType.IQ1_S, 'IQ1_S', 256, 50, false],
  [GGMLType.IQ4_NL, 'IQ4_NL', 32, 18, true],
  [GGMLType.IQ3_S, 'IQ3_S', 256, 110, false],
  [GGMLType.IQ2_S, 'IQ2_S', 256, 82, false],
  [GGMLType.IQ4_XS, 'IQ4_XS', 256, 136, true],
  [GGMLType.I8, 'I8', 1, 1, false],
  [GGMLType.I16, 'I16', 1, 2, false],
  [GGMLType.I32, 'I32', 1, 4, false],
  [GGMLType.I64, 'I64', 1, 8, false],
  [GGMLType.F64, 'F64', 1, 8, false],
  [GGMLType.IQ1_M, 'IQ1_M', 256, 56, false],
  [GGMLType.BF16, 'BF16', 1, 2, true],
  [GGMLType.TQ1_0, 'TQ1_0', 256, 54, false],
  [GGMLType.TQ2_0, 'TQ2_0', 256, 66, false],
  [GGMLType.MXFP4, 'MXFP4', 32, 17, false],
  [GGMLType.NVFP4, 'NVFP4', 64, 36, false],
  [GGMLType.Q1_0, 'Q1_0', 128, 18, false],
  [GGMLType.Q2_0, 'Q2_0', 64, 18, false],
];

const TRAITS = new Map<number, TypeTraits>(
  ROWS.map(([type, name, blockSize, typeSize, impl]) => [
    type,
    { type, name, blockSize, typeSize, quantizable: impl && type !== GGMLType.F32, dequantizable: impl },
  ]),
);
const BY_NAME = new Map<string, TypeTraits>([...TRAITS.values()].map((t) => [t.name, t]));

/** Traits of a known type id, or undefined for removed/unknown ids. */
export function findTypeTraits(type: number): TypeTraits | undefined {
  return TRAITS.get(type);
}

/** Traits of a type id; throws a RangeError naming the id when it is unknown. */
export function typeTraits(type: number): TypeTraits {
  const t = TRAITS.get(type);
  if (!t) throw new RangeError(`unknown ggml tensor type id ${type}`);
  return t;
}

/** Traits by name ("Q4_K", case-insensitive), or undefined. */
export function typeTraitsByName(name: string): TypeTraits | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** Bytes of one row of `nPerRow` elements; nPerRow must be a multiple of the block size. */
export function rowSize(type: number, nPerRow: number): number {
  const t = typeTraits(type);
  if (nPerRow % t.blockSize !== 0) {
    throw new RangeError(`row of ${nPerRow} elements is not a multiple of ${t.name}'s block size ${t.blockSize}`);
  }
  return (nPerRow / t.blockSize) * t.typeSize;
}
