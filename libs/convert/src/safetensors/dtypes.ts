// safetensors dtype names and their element sizes. Every name the format
// defines is known here so a header parses even when it holds tensors we do
// not convert (int buffers, fp8); only F32/F16/BF16 can be read as floats.

export const SAFETENSORS_DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

export type FloatDType = 'F32' | 'F16' | 'BF16';

export function isFloatDType(dtype: string): dtype is FloatDType {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}
