import { bf16BitsToF32, f16BitsToF32, f32BitsToBf16Bits, f32BitsToF16Bits, f32ToBf16Bits, f32ToF16Bits } from './float-convert';

/** Exact value of a half, computed independently of the code under test. */
function half(h: number): number {
  const e = (h >> 10) & 31;
  const m = h & 1023;
  const s = h & 0x8000 ? -1 : 1;
  if (e === 31) return m ? NaN : s * Infinity;
  return e === 0 ? s * m * 2 ** -24 : s * (1024 + m) * 2 ** (e - 25);
}

describe('float32 -> float16', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65519.99, 0x7bff],
    [65520, 0x7c00],
    [1e10, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001],
    [2 ** -25, 0x0000], // halfway to the smallest subnormal: ties to even (zero)
    [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 subnormal ulps: to even (2)
    [2 ** -14, 0x0400],
    [0.1, 0x2e66],
    [-0, 0x8000],
    [1 + 2 ** -11, 0x3c00], // tie, even stays
    [1 + 3 * 2 ** -11, 0x3c02], // tie, odd rounds up
  ])('%p -> 0x%s', (x, bits) => {
    expect(f32ToF16Bits(x)).toBe(bits);
  });

  it('maps NaN to 0x7E00 keeping the sign', () => {
    expect(f32BitsToF16Bits(0x7fc00001)).toBe(0x7e00);
    expect(f32BitsToF16Bits(0xff800001)).toBe(0xfe00);
  });

  it('always picks the nearest half, ties to even, over many random floats', () => {
    let s = 987654321;
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    const wrong: string[] = [];
    for (let i = 0; i < 200000; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      // Bias exponents towards the half range, subnormals included.
      u[0] = (s & 0x80000000) | ((((s >>> 23) & 0x1f) + 98) << 23) | (s & 0x7fffff);
      const x = f[0];
      const h = f32BitsToF16Bits(u[0]);
      const d = Math.abs(half(h) - x);
      for (const n of [h - 1, h + 1]) {
        if ((n & 0x7c00) === 0x7c00 || (n & 0x8000) !== (h & 0x8000)) continue;
        const dn = Math.abs(half(n) - x);
        if (dn < d || (dn === d && (n & 1) === 0)) wrong.push(`${x} -> 0x${h.toString(16)}, 0x${n.toString(16)} is nearer`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('widens exactly', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) if ((h & 0x7c00) !== 0x7c00 && f16BitsToF32(h) !== half(h)) wrong.push(h);
    expect(wrong).toEqual([]);
  });
});

describe('float32 -> bfloat16', () => {
  it('rounds to nearest even and quiets NaN', () => {
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    expect(f32BitsToBf16Bits(0x3f808000)).toBe(0x3f80); // tie, even
    expect(f32BitsToBf16Bits(0x3f818000)).toBe(0x3f82); // tie, odd -> up
    expect(f32BitsToBf16Bits(0x3f808001)).toBe(0x3f81);
    expect(f32BitsToBf16Bits(0x7f7fffff)).toBe(0x7f80); // max float rounds to inf
    expect(f32BitsToBf16Bits(0xff800001)).toBe(0xffc0);
    expect(f32BitsToBf16Bits(0x7f800001)).toBe(0x7fc0);
    expect(bf16BitsToF32(0xc040)).toBe(-3);
  });
});
