// Activation quantization follows the reference CPU backend's x86 build:
// Q8_0 / Q8_1 multiply by 127 / amax and round half to even; Q8_K scales by
// -127 / (signed value of largest magnitude); F16 / BF16 round to nearest even.
import { GGMLType } from './ggml-types';
import { activationRowBytes, quantizeActivations } from './matmul';

function block(values: number[], n: number): Float32Array {
  const x = new Float32Array(n);
  x.set(values);
  return x;
}

describe('quantizeActivations', () => {
  it('Q8_0 (Q4_0 weights): scale amax / 127 in fp16, ties to even', () => {
    // amax = 127 makes the multiplier exactly 1, so the ties stay ties.
    const q = quantizeActivations(GGMLType.Q4_0, block([127, 2.5, 3.5, -2.5, -0.5, 1.5], 32), 32);
    expect(q.length).toBe(34);
    expect(q.readUInt16LE(0)).toBe(0x3c00); // fp16 1.0
    expect(Array.from(new Int8Array(q.buffer, q.byteOffset + 2, 6))).toEqual([127, 2, 4, -2, 0, 2]);
  });

  it('Q8_1 (Q4_1 weights): adds s = d * sum(q) in fp16', () => {
    const q = quantizeActivations(GGMLType.Q4_1, block([127, 2.5, -10], 32), 32);
    expect(q.length).toBe(36);
    expect(q.readUInt16LE(0)).toBe(0x3c00);
    expect(q.readUInt16LE(2)).toBe(0x5770); // fp16 119 = 127 + 2 - 10
  });

  it('Q8_K (K-quant weights): the largest magnitude maps to -127, with per-16 sums', () => {
    const x = new Float32Array(256);
    for (let i = 0; i < 256; i++) x[i] = (i % 7) - 3;
    x[20] = -6.35; // largest magnitude, negative: scale -127 / -6.35 = 20
    const q = quantizeActivations(GGMLType.Q4_K, x, 256);
    expect(q.length).toBe(292);
    expect(q.readFloatLE(0)).toBeCloseTo(0.05, 7); // d = 1 / 20
    const qs = new Int8Array(q.buffer, q.byteOffset + 4, 256);
    expect(qs[20]).toBe(-127);
    expect(qs[0]).toBe(-60); // -3 * 20
    for (let g = 0; g < 16; g++) {
      const sum = Array.from(qs.subarray(16 * g, 16 * g + 16)).reduce((a, b) => a + b, 0);
      expect(q.readInt16LE(4 + 256 + 2 * g)).toBe(sum);
    }
  });

  it('Q8_K of an all-zero block is all zeros', () => {
    const q = quantizeActivations(GGMLType.Q6_K, new Float32Array(256), 256);
    expect(q.every((b) => b === 0)).toBe(true);
  });

  it('F16 and BF16 weights take rounded activations; F32 takes them unchanged', () => {
    const x = Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8, -2]);
    const h = quantizeActivations(GGMLType.F16, x, 4);
    expect([0, 1, 2, 3].map((i) => h.readUInt16LE(2 * i))).toEqual([0x3c00, 0x3c02, 0x3c00 + 4, 0xc000]);
    const b = quantizeActivations(GGMLType.BF16, x, 4);
    expect(b.readUInt16LE(4)).toBe(0x3f80); // 1 + 2^-8 is a tie: to even (1.0)
    expect(Array.from(new Float32Array(quantizeActivations(GGMLType.F32, x, 4).buffer.slice(0)))).toEqual(Array.from(x));
  });

  it('row sizes follow the activation format', () => {
    expect(activationRowBytes(GGMLType.Q4_0, 576)).toBe(18 * 34);
    expect(activationRowBytes(GGMLType.Q5_1, 576)).toBe(18 * 36);
    expect(activationRowBytes(GGMLType.Q6_K, 1536)).toBe(6 * 292);
    expect(activationRowBytes(GGMLType.F16, 576)).toBe(1152);
  });
});
