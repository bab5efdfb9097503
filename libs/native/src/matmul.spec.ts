// Matmul kernels, for every weight type:
//   (a) each SIMD path against the scalar reference,
//   (b) the scalar reference against a float64 product of the dequantized
//       weights and the dequantized quantized activations,
//   (c) several tokens in one call against one call per token (exact).
import { dequantizeSync, quantizeSync } from './convert';
import { GGMLType, findTypeTraits } from './ggml-types';
import { MATMUL_TYPES, bestMatmulPath, matmul, packedWeightsBytes, quantizeActivations, type MatmulPath } from './matmul';
import { NativeError } from './native-error';
import { goldenTensors } from './test-utils/golden';
import { gaussian, rng } from './test-utils/random';

const ROWS = 37; // odd: exercises row tails
const TOKENS = 7; // a group of 4 tokens plus a tail of 3

const f16 = (bits: number): number => {
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  const v = e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
  return bits & 0x8000 ? -v : v;
};
const bf16 = (bits: number): number => new Float32Array(new Uint32Array([bits << 16]).buffer)[0];

/** The activation format each weight type's dot product consumes. */
function activationType(t: GGMLType): GGMLType {
  if (t === GGMLType.Q4_1 || t === GGMLType.Q5_1) return GGMLType.Q8_1;
  if ([GGMLType.Q4_0, GGMLType.Q5_0, GGMLType.Q8_0, GGMLType.IQ4_NL].includes(t)) return GGMLType.Q8_0;
  if ([GGMLType.F32, GGMLType.F16, GGMLType.BF16].includes(t)) return t;
  return GGMLType.Q8_K;
}

/** Decodes quantized activation rows to float64 (value = scale * q). */
function decodeActivations(t: GGMLType, xq: Uint8Array, cols: number, nTokens: number): Float64Array[] {
  const at = activationType(t);
  const dv = new DataView(xq.buffer, xq.byteOffset, xq.byteLength);
  const traits = findTypeTraits(at)!;
  const rowBytes = (cols / traits.blockSize) * traits.typeSize;
  const rows: Float64Array[] = [];
  for (let tok = 0; tok < nTokens; tok++) {
    const out = new Float64Array(cols);
    const base = tok * rowBytes;
    for (let i = 0; i < cols; i++) {
      if (at === GGMLType.F32) out[i] = dv.getFloat32(base + 4 * i, true);
      else if (at === GGMLType.F16) out[i] = f16(dv.getUint16(base + 2 * i, true));
      else if (at === GGMLType.BF16) out[i] = bf16(dv.getUint16(base + 2 * i, true));
      else if (at === GGMLType.Q8_K) {
        const b = base + Math.floor(i / 256) * 292;
        out[i] = dv.getFloat32(b, true) * dv.getInt8(b + 4 + (i % 256));
      } else {
        const size = at === GGMLType.Q8_0 ? 34 : 36;
        const b = base + Math.floor(i / 32) * size;
        out[i] = f16(dv.getUint16(b, true)) * dv.getInt8(b + (size - 32) + (i % 32));
      }
    }
    rows.push(out);
  }
  return rows;
}

/** Byte offsets of the fp16 scale fields inside one block (raw-byte weights). */
const SCALE_OFFSETS: Partial<Record<GGMLType, number[]>> = {
  [GGMLType.Q4_0]: [0], [GGMLType.Q4_1]: [0, 2], [GGMLType.Q5_0]: [0], [GGMLType.Q5_1]: [0, 2],
  [GGMLType.Q8_0]: [0], [GGMLType.IQ4_NL]: [0], [GGMLType.Q2_K]: [80, 82], [GGMLType.Q3_K]: [108],
  [GGMLType.Q4_K]: [0, 2], [GGMLType.Q5_K]: [0, 2], [GGMLType.Q6_K]: [208], [GGMLType.IQ4_XS]: [0],
};

/**
 * Weights two ways: floats through the native quantizer (typical values), or
 * uniformly random block bytes with small random fp16 scales (every bit
 * pattern of the quants, e.g. -128 in Q8_0 and all packed scale codes).
 */
function makeWeights(t: GGMLType, cols: number, seed: number, raw: boolean): Uint8Array {
  const floats = gaussian(ROWS * cols, seed, 0.05);
  if (t === GGMLType.F32) return new Uint8Array(floats.buffer);
  if (!raw) return quantizeSync(t, floats, cols, { threads: 1 });
  const traits = findTypeTraits(t)!;
  const nBlocks = (ROWS * cols) / traits.blockSize;
  const bytes = new Uint8Array(nBlocks * traits.typeSize);
  const next = rng(seed);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
  const dv = new DataView(bytes.buffer);
  for (let b = 0; b < nBlocks; b++) {
    for (const off of SCALE_OFFSETS[t]!) {
      // sign, exponent 5..10 (2^-10 .. 2^-5), any mantissa
      const bits = (next() < 0.5 ? 0x8000 : 0) | ((5 + Math.floor(next() * 6)) << 10) | Math.floor(next() * 1024);
      dv.setUint16(b * traits.typeSize + off, bits, true);
    }
  }
  return bytes;
}

interface Reference {
  value: number;
  /** Sum of |terms|: the scale of the rounding error of any summation order. */
  magnitude: number;
}

/**
 * float64 product of dequantized weights and activations. Q4_1 / Q5_1 dot
 * products use the activation block's stored sum s = fp16(d * sum(q)) for the
 * min term, so the reference does too.
 */
function reference(t: GGMLType, weights: Uint8Array, cols: number, xq: Uint8Array, nTokens: number, rows = ROWS): Reference[][] {
  const traits = findTypeTraits(t)!;
  const rowBytes = (cols / traits.blockSize) * traits.typeSize;
  const x = decodeActivations(t, xq, cols, nTokens);
  const w = t === GGMLType.F32 ? new Float32Array(weights.slice().buffer) : dequantizeSync(t, weights, rows * cols, { threads: 1 });
  const withMin = t === GGMLType.Q4_1 || t === GGMLType.Q5_1;
  const half = (bytes: Uint8Array, at: number): number => f16(bytes[at] | (bytes[at + 1] << 8));
  return x.map((xr, tok) =>
    Array.from({ length: rows }, (_, r) => {
      let value = 0;
      let magnitude = 0;
      for (let i = 0; i < cols; i++) {
        const min = withMin ? half(weights, r * rowBytes + Math.floor(i / 32) * traits.typeSize + 2) : 0;
        value += (w[r * cols + i] - min) * xr[i];
        magnitude += Math.abs((w[r * cols + i] - min) * xr[i]);
      }
      for (let b = 0; withMin && b < cols / 32; b++) {
        const m = half(weights, r * rowBytes + b * traits.typeSize + 2);
        const s = half(xq, (tok * (cols / 32) + b) * 36 + 2);
        value += m * s;
        magnitude += Math.abs(m * s);
      }
      return { value, magnitude };
    }),
  );
}

/**
 * Bound on the float rounding of one dot product: the integer block sums are
 * exact, and each of the ~nBlocks float multiply-adds (plus the lane and
 * horizontal sums, at most 16 more) adds at most 2^-24 relative error of the
 * running magnitude; dequantized K-quant weights carry one more rounding.
 * A single wrong element would move the result by ~magnitude / cols, far
 * above this.
 */
function tolerance(t: GGMLType, cols: number, magnitude: number): number {
  const traits = findTypeTraits(t)!;
  const steps = cols / traits.blockSize + 16;
  return steps * 2 ** -22 * magnitude + 1e-30;
}

const available = (): MatmulPath[] => {
  const best = bestMatmulPath();
  return best === 'avx512' ? ['avx2', 'avx512'] : best === 'avx2' ? ['avx2'] : [];
};

describe.each(MATMUL_TYPES.map((t) => [GGMLType[t], t] as const))('matmul %s', (_name, type) => {
  const traits = findTypeTraits(type)!;
  const colsList = traits.blockSize === 256 ? [256, 768] : traits.blockSize === 32 ? [96, 768] : [100, 768];
  const variants = SCALE_OFFSETS[type] ? [false, true] : [false];

  describe.each(colsList)('cols %i', (cols) => {
    describe.each(variants)('raw bytes: %s', (raw) => {
      const weights = makeWeights(type, cols, 11 + cols, raw);
      const x = gaussian(TOKENS * cols, 7 + cols, 1);
      const xq = quantizeActivations(type, x, cols);
      const args = { type, weights, rows: ROWS, cols, xq, nTokens: TOKENS };
      const scalar = matmul({ ...args, path: 'scalar' });
      let memo: Reference[][] | undefined;
      const ref = (): Reference[][] => (memo ??= reference(type, weights, cols, xq, TOKENS));

      it('scalar path matches the float64 product of dequantized operands', () => {
        for (let tok = 0; tok < TOKENS; tok++) {
          for (let r = 0; r < ROWS; r++) {
            const { value, magnitude } = ref()[tok][r];
            expect(Math.abs(scalar[tok * ROWS + r] - value)).toBeLessThanOrEqual(tolerance(type, cols, magnitude));
          }
        }
        expect(ref()[0][0].magnitude).toBeGreaterThan(0);
      });

      it.each(available())('%s path matches the scalar path', (path) => {
        const simd = matmul({ ...args, path });
        for (let i = 0; i < simd.length; i++) {
          const magnitude = ref()[Math.floor(i / ROWS)][i % ROWS].magnitude;
          // Two roundings of the same exact block sums, each within tolerance().
          expect(Math.abs(simd[i] - scalar[i])).toBeLessThanOrEqual(2 * tolerance(type, cols, magnitude));
        }
      });

      // Packed weights exist only where this CPU has a packed kernel for the type.
      const modes = [
        { path: 'scalar' as const, packed: false },
        { path: 'auto' as const, packed: false },
        ...(packedWeightsBytes(type, ROWS, cols) > 0 ? [{ path: 'auto' as const, packed: true }] : []),
      ];

      it.each(modes)(`$path (packed: $packed): ${TOKENS} tokens at once equal one call per token`, ({ path, packed }) => {
        const all = matmul({ ...args, path, packed });
        const rowBytes = xq.length / TOKENS;
        for (let tok = 0; tok < TOKENS; tok++) {
          const one = matmul({ ...args, xq: xq.subarray(tok * rowBytes, (tok + 1) * rowBytes), nTokens: 1, path, packed });
          expect(Array.from(one)).toEqual(Array.from(all.subarray(tok * ROWS, (tok + 1) * ROWS)));
        }
      });

      it.each(modes)('$path (packed: $packed): rows split between calls give the same bits', ({ path, packed }) => {
        const whole = matmul({ ...args, path, packed });
        expect(Array.from(matmul({ ...args, path, packed, splits: [5, 13, 30] }))).toEqual(Array.from(whole));
      });

      if (modes.length > 2) {
        it('packed weights match the scalar path', () => {
          const fast = matmul({ ...args, path: 'auto', packed: true });
          for (let i = 0; i < fast.length; i++) {
            const magnitude = ref()[Math.floor(i / ROWS)][i % ROWS].magnitude;
            expect(Math.abs(fast[i] - scalar[i])).toBeLessThanOrEqual(2 * tolerance(type, cols, magnitude));
          }
        });
      }
    });
  });
});

describe('matmul argument checks', () => {
  const cols = 64;
  const weights = new Uint8Array(2 * 2 * 18);
  const xq = quantizeActivations(GGMLType.Q4_0, new Float32Array(cols), cols);

  it('rejects a type without a kernel', () => {
    expect(() => matmul({ type: GGMLType.Q8_K, weights, rows: 2, cols, xq, nTokens: 1 })).toThrow(NativeError);
  });
  it('rejects cols that are not whole blocks', () => {
    expect(() => quantizeActivations(GGMLType.Q4_0, new Float32Array(40), 40)).toThrow(/multiple of Q4_0's block size 32/);
  });
  it('rejects short weights and activations', () => {
    expect(() => matmul({ type: GGMLType.Q4_0, weights: weights.subarray(1), rows: 2, cols, xq, nTokens: 1 })).toThrow(/at least 72 bytes/);
    expect(() => matmul({ type: GGMLType.Q4_0, weights, rows: 2, cols, xq, nTokens: 2 })).toThrow(/xq must be/);
  });
  it('rejects an unknown path', () => {
    expect(() => matmul({ type: GGMLType.Q4_0, weights, rows: 2, cols, xq, nTokens: 1, path: 'neon' as MatmulPath })).toThrow(/path must be/);
  });
});

// Real weights: the first tensor of each type in the reference's quantized
// micro models (llama-quantize output), all three paths against float64.
describe('matmul on golden tensors', () => {
  const presets = ['F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K_M', 'Q4_K_M', 'Q5_K_M', 'Q6_K', 'IQ4_NL', 'IQ4_XS'];
  const seen = new Set<number>();
  const cases: [string, string, string, GGMLType, Uint8Array, number, number][] = [];
  for (const preset of presets) {
    for (const t of goldenTensors(preset)) {
      if (t.ne.length !== 2 || seen.has(t.type) || !MATMUL_TYPES.includes(t.type)) continue;
      seen.add(t.type);
      const rows = Math.min(t.ne[1], 48);
      const rowBytes = t.data.byteLength / t.ne[1];
      cases.push([GGMLType[t.type], t.name, preset, t.type, t.data.slice(0, rows * rowBytes), rows, t.ne[0]]);
    }
  }

  it('covers every quantized weight type the micro models use', () => {
    expect(cases.map((c) => c[0]).sort()).toEqual(
      ['BF16', 'F16', 'IQ4_NL', 'IQ4_XS', 'Q2_K', 'Q3_K', 'Q4_0', 'Q4_1', 'Q4_K', 'Q5_0', 'Q5_1', 'Q5_K', 'Q6_K', 'Q8_0'],
    );
  });

  it.each(cases)('%s: %s of micro-%s', (_typeName, _name, _preset, type, weights, rows, cols) => {
    const nTokens = 5;
    const xq = quantizeActivations(type, gaussian(nTokens * cols, 3, 1), cols);
    const ref = reference(type, weights, cols, xq, nTokens, rows);
    for (const packed of [false, true]) {
      for (const path of ['scalar', 'auto'] as const) {
        const y = matmul({ type, weights, rows, cols, xq, nTokens, path, packed });
        for (let i = 0; i < y.length; i++) {
          const { value, magnitude } = ref[Math.floor(i / rows)][i % rows];
          expect(Math.abs(y[i] - value)).toBeLessThanOrEqual(tolerance(type, cols, magnitude));
        }
      }
    }
  });
});

// Q6_K's packed kernel computes each row's 8 integer lanes its own way, then
// converts and accumulates them exactly as the unpacked kernels do: the same
// bits for row counts around its group size and every pass shape of tokens.
describe('packed Q6_K gives the bits of the unpacked kernel', () => {
  const type = GGMLType.Q6_K;
  const cases = [16, 23, 31, 45].flatMap((rows) => [256, 1536].map((cols) => ({ rows, cols })));
  describe.each(cases)('$rows rows x $cols cols', ({ rows, cols }) => {
    // (Where this CPU has no packed kernel, packed: true runs the plain one.)
    it('for 1 to 16 tokens at once, whole and split', () => {
      const traits = findTypeTraits(type)!;
      const weights = new Uint8Array((rows * cols * traits.typeSize) / traits.blockSize);
      const next = rng(rows * 7 + cols);
      for (let i = 0; i < weights.length; i++) weights[i] = Math.floor(next() * 256);
      const dv = new DataView(weights.buffer);
      for (let b = 0; b < weights.length / traits.typeSize; b++) {
        dv.setUint16(b * traits.typeSize + 208, (next() < 0.5 ? 0x8000 : 0) | ((5 + Math.floor(next() * 6)) << 10) | Math.floor(next() * 1024), true);
      }
      for (let tokens = 1; tokens <= 16; tokens++) {
        const x = gaussian(tokens * cols, tokens + cols, 3);
        // Activations at the int8 extremes, where a saturating step would show.
        for (let i = 0; i < cols; i += 5) x[i] = i % 2 ? 40 : -40;
        const args = { type, weights, rows, cols, xq: quantizeActivations(type, x, cols), nTokens: tokens, path: 'auto' as const };
        const plain = Array.from(matmul({ ...args, packed: false }));
        expect(Array.from(matmul({ ...args, packed: true }))).toEqual(plain);
        expect(Array.from(matmul({ ...args, packed: true, splits: [rows >> 1] }))).toEqual(plain);
      }
    });
  });
});
