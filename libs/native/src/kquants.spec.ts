// The K-quant kernels (Q2_K .. Q6_K): byte-for-byte agreement with the
// reference quantizer, with and without an importance matrix, exact
// dequantization, error bounds of a round trip, and independence from the
// thread count.
import { createHash } from 'node:crypto';
import { GGMLType, typeTraits } from './ggml-types';
import { dequantize, quantize } from './convert';
import { goldenSource, goldenTensors } from './test-utils/golden';
import { asFloat32 } from './test-utils/gguf-tensors';
import { FIXTURE_N_PER_ROW, fixtureImatrix, fixtureRows } from './test-utils/kquants-fixture';
import { gaussian, importance } from './test-utils/random';

const KQUANTS = [GGMLType.Q2_K, GGMLType.Q3_K, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K];
const IS_KQUANT = new Set<number>(KQUANTS);

// The K-quant presets, plus the legacy/IQ4 presets, whose output.weight is
// Q6_K (Q8_0 keeps it Q8_0, F16/BF16 have none). `base` is a K-quant type the
// file must contain (null: only the Q6_K output).
const PRESETS: [string, GGMLType | null][] = [
  ['Q2_K', GGMLType.Q2_K],
  ['Q3_K_S', GGMLType.Q3_K],
  ['Q3_K_M', GGMLType.Q3_K],
  ['Q3_K_L', GGMLType.Q3_K],
  ['Q4_K_S', GGMLType.Q4_K],
  ['Q4_K_M', GGMLType.Q4_K],
  ['Q5_K_S', GGMLType.Q5_K],
  ['Q5_K_M', GGMLType.Q5_K],
  ['Q6_K', GGMLType.Q6_K],
  ['Q4_0', null],
  ['Q4_1', null],
  ['Q5_0', null],
  ['Q5_1', null],
  ['IQ4_NL', null],
  ['IQ4_XS', null],
];

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function sha256(bytes: Uint8Array | Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    .digest('hex');
}

describe('K-quants against the golden presets', () => {
  const source = goldenSource();
  const seenTypes = new Set<number>();

  it.each(PRESETS)('micro-%s.gguf: every K-quant tensor matches byte for byte', async (preset, base) => {
    const tensors = goldenTensors(preset).filter((t) => IS_KQUANT.has(t.type));
    if (base !== null) expect(tensors.some((t) => t.type === base)).toBe(true);
    expect(tensors.length).toBeGreaterThan(0);
    for (const golden of tensors) {
      const src = source.get(golden.name);
      if (!src) throw new Error(`${golden.name} is missing from the F32 source`);
      const out = await quantize(golden.type, asFloat32(src), src.ne[0], { threads: 2 });
      const at = firstDiff(out, golden.data);
      if (at !== -1) {
        const name = typeTraits(golden.type).name;
        throw new Error(`${preset}: ${golden.name} (${name}) differs at byte ${at} of ${golden.data.length}`);
      }
      seenTypes.add(golden.type);
    }
  });

  it('covered every K-quant type', () => {
    expect([...seenTypes].sort()).toEqual([...KQUANTS].sort());
  });
});

// Digests of the reference implementation's output on fixtureRows() (12 rows
// of 512, edge cases included) and fixtureImatrix(): ggml-quants.c of the
// ggml mirror (d99724f2), built for x86-64 with gcc -O3, called as
// quantize_<t>(rows, dst, 12, 512, NULL or imatrix) and dequantize_row_<t>
// on the plain output. There is no golden file for the imatrix path; these
// digests are its byte-exactness check.
const REFERENCE_DIGESTS: Record<number, { plain: string; imatrix: string; dequant: string }> = {
  [GGMLType.Q2_K]: {
    plain: '1fc9219e97f8c87b9de59363a31ef537149adc3d3b42904456ec526187671e29',
    imatrix: '29ad159f5064b4b7075d049112d63be98f9a7a946127ba877cb75bb999b14980',
    dequant: '0ced3d0d5e5592fb8a5c6b76e6e7309ed51a7ea2bd4f3824fb52256f2f10d259',
  },
  [GGMLType.Q3_K]: {
    plain: '92bda07bea5e3b1cb71fce550a8503cc05fb517627d97cd830617be38d645b1f',
    imatrix: '11b3e6ad8b74caaf45d42288cae75fb5ec627b8c0da861f3e206d346d4dd9942',
    dequant: '24e92b102d3d693e0a567e02932641d3e91ae61d4aa4300385be3c6299a20277',
  },
  [GGMLType.Q4_K]: {
    plain: 'dab0ba536a5d628d4215efdc23f6dec6b5e2d2650260cf41aa2fada4c272730e',
    imatrix: 'b7479c48c384933e722e4de7f0df0767b3b56faafc6db0891619a0b6c92a968d',
    dequant: 'd729d3da6c3d69edad32033cabcb781d722887adb6cd9d5e11393e8891943a15',
  },
  [GGMLType.Q5_K]: {
    plain: '92062f9fb5c86056cbb925f8ca12a39c3e4580ca7a75e0d47dc7b8fd98638d03',
    imatrix: '386ef557ce5397f64ec97ad6eb06944bc71d370963763d0752a4d9cd3691159b',
    dequant: '470ef7e21fe7b9e6667e82c25b4bf8a1521307d74b4c78c79b4aa8ccbadbc66f',
  },
  [GGMLType.Q6_K]: {
    plain: '195ed91b8edfb0d9f252cdf3852beb1788f60ba315e445c83aadadcb3d05fd35',
    imatrix: 'eea879b68ae81bf9b5b9f954f2013dbc421297440dcaa4b8db22f265b5616485',
    dequant: 'cb2facf42a5e033a391acc8ce3dcad2881880436056a6fe6bb38b00e39fda073',
  },
};

describe.each(KQUANTS.map((t) => [typeTraits(t).name, t] as const))('%s', (_name, type) => {
  const rows = fixtureRows();
  const imatrix = fixtureImatrix();
  const expected = REFERENCE_DIGESTS[type];

  it('matches the reference without an importance matrix (edge-case rows included)', async () => {
    const out = await quantize(type, rows, FIXTURE_N_PER_ROW, { threads: 1 });
    expect(sha256(out)).toBe(expected.plain);
  });

  it('matches the reference with an importance matrix', async () => {
    const out = await quantize(type, rows, FIXTURE_N_PER_ROW, { imatrix, threads: 1 });
    expect(sha256(out)).toBe(expected.imatrix);
  });

  it('dequantizes to exactly the reference floats', async () => {
    const bytes = await quantize(type, rows, FIXTURE_N_PER_ROW, { threads: 1 });
    const floats = await dequantize(type, bytes, rows.length, { threads: 1 });
    expect(sha256(floats)).toBe(expected.dequant);
  });

  it('gives the same bytes for any thread count', async () => {
    const nPerRow = 768; // 3 blocks per row, 7 rows: splits never align with anything
    const src = gaussian(7 * nPerRow, 11);
    const weights = importance(nPerRow, 12);
    for (const opts of [{}, { imatrix: weights }]) {
      const one = await quantize(type, src, nPerRow, { ...opts, threads: 1 });
      for (const threads of [2, 3]) {
        expect(firstDiff(await quantize(type, src, nPerRow, { ...opts, threads }), one)).toBe(-1);
      }
    }
  });
});

// RMS(error) / RMS(x) of a round trip on Gaussian data. Measured: Q2_K 0.295,
// Q3_K 0.151, Q4_K 0.071, Q5_K 0.036, Q6_K 0.018 (each extra bit halves the
// error, as it should). The limits sit ~10% above; a wrong bit placement or
// scale packing gives errors of order 1.
const MAX_RELATIVE_RMSE: Record<number, number> = {
  [GGMLType.Q2_K]: 0.33,
  [GGMLType.Q3_K]: 0.17,
  [GGMLType.Q4_K]: 0.08,
  [GGMLType.Q5_K]: 0.04,
  [GGMLType.Q6_K]: 0.02,
};

function weightedSquaredError(x: Float32Array, y: Float32Array, weights: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += weights[i % weights.length] * (x[i] - y[i]) ** 2;
  return sum;
}

describe('round-trip error', () => {
  const nPerRow = 512;
  const src = gaussian(64 * nPerRow, 3);
  const ones = new Float32Array(nPerRow).fill(1);
  const rms = Math.sqrt(weightedSquaredError(src, new Float32Array(src.length), ones) / src.length);
  const errors = new Map<number, number>();

  it.each(KQUANTS.map((t) => [typeTraits(t).name, t] as const))('%s stays within its bound', async (_name, type) => {
    const back = await dequantize(type, await quantize(type, src, nPerRow), src.length);
    const rel = Math.sqrt(weightedSquaredError(src, back, ones) / src.length) / rms;
    errors.set(type, rel);
    expect(rel).toBeLessThan(MAX_RELATIVE_RMSE[type]);
  });

  it('halves with each extra bit', () => {
    for (let i = 1; i < KQUANTS.length; i++) {
      const ratio = (errors.get(KQUANTS[i - 1]) as number) / (errors.get(KQUANTS[i]) as number);
      expect(ratio).toBeGreaterThan(1.7);
      expect(ratio).toBeLessThan(2.3);
    }
  });

  // The importance matrix must steer the error towards unimportant columns:
  // measured 0.53-0.77 of the plain path's importance-weighted error.
  it.each(KQUANTS.map((t) => [typeTraits(t).name, t] as const))(
    '%s with an importance matrix lowers the importance-weighted error',
    async (_name, type) => {
      const weights = importance(nPerRow, 5);
      const plain = await dequantize(type, await quantize(type, src, nPerRow), src.length);
      const guided = await dequantize(type, await quantize(type, src, nPerRow, { imatrix: weights }), src.length);
      expect(weightedSquaredError(src, guided, weights)).toBeLessThan(0.9 * weightedSquaredError(src, plain, weights));
    },
  );
});
