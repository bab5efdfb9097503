// Float32 -> float16 / bfloat16 rounding, bit-exact with ggml's software
// converters: IEEE round-to-nearest-even, subnormals kept, overflow to inf,
// NaN to a quiet NaN with the sign kept (F16: 0x7E00; BF16: high half | 0x40).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Bits of one float16 for the float32 `x` (x is first rounded to float32). */
export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  return f32BitsToF16Bits(u32[0]);
}

export function f32BitsToF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const abs = bits & 0x7fffffff;
  if (abs >= 0x7f800000) return abs > 0x7f800000 ? sign | 0x7e00 : sign | 0x7c00;
  if (abs < 0x38800000) {
    // Below the smallest normal half (2^-14): the result is a subnormal half
    // whose integer mantissa is |x| / 2^-24, rounded half to even. The product
    // is exact in double, so the rounding below is exact too.
    u32[0] = abs;
    const scaled = f32[0] * 16777216;
    let m = Math.floor(scaled);
    const rest = scaled - m;
    if (rest > 0.5 || (rest === 0.5 && (m & 1) === 1)) m++;
    return sign | m; // m may reach 0x400: the smallest normal, correctly encoded
  }
  const exp = (abs >>> 23) - 127 + 15;
  if (exp >= 31) return sign | 0x7c00;
  const mant = abs & 0x7fffff;
  let h = (exp << 10) | (mant >>> 13);
  const low = mant & 0x1fff;
  if (low > 0x1000 || (low === 0x1000 && (h & 1) === 1)) h++; // carry may reach inf: correct
  return sign | h;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function f32BitsToBf16Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff;
  return Math.floor((bits + 0x7fff + ((bits >>> 16) & 1)) / 65536) & 0xffff;
}

export function f32ToBf16Bits(x: number): number {
  f32[0] = x;
  return f32BitsToBf16Bits(u32[0]);
}

export function bf16BitsToF32(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** Converts a run of float32 values to float16 bits. */
export function f32ArrayToF16(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = f32BitsToF16Bits(bits[i]);
  return dst;
}

/** Converts a run of float32 values to bfloat16 bits. */
export function f32ArrayToBf16(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = f32BitsToBf16Bits(bits[i]);
  return dst;
}

/** Widens float16 bits to float32 (exact). */
export function f16ArrayToF32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  for (let i = 0; i < src.length; i++) dst[i] = f16BitsToF32(src[i]);
  return dst;
}

/** Widens bfloat16 bits to float32 (exact: the bits move to the high half). */
export function bf16ArrayToF32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] << 16;
  return dst;
}
