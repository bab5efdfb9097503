// The native sampler's log-probabilities (log-softmax of the raw logits,
// whose log-sum-exp has SIMD kernels) against a plain double-precision
// computation, on every kernel path; and its picks (greedy and seeded draws)
// against tokens recorded from the scalar implementation before the SIMD
// kernels existed, so a change of kernel can never change a sampled token.
import { loadAddon } from './addon';
import { cpuFeatures, setKernelPath, type KernelPath } from './cpu';
import type { NativeSampleRequest, NativeSampleResult } from './sampling-types';
import { gaussian, rng } from './test-utils/random';

interface RawSampler {
  sample(req: NativeSampleRequest): Promise<NativeSampleResult>;
}

const sampler = loadAddon() as unknown as RawSampler;

// temperature, topK, topP, minP, repetition, presence, frequency, topLogprobs
type Params = [number, number, number, number, number, number, number, number];
const greedy = (top = 0): Params => [0, 0, 1, 0, 1, 0, 0, top];

interface Row {
  logits: Float32Array;
  params: Params;
  seed?: number;
  step?: number;
  history?: number[];
}

/** One native call sampling every row (all rows share a length). */
function sample(rows: Row[]): Promise<NativeSampleResult> {
  const n = rows[0].logits.length;
  const logits = new Float32Array(rows.length * n);
  const params = new Float32Array(rows.length * 8);
  const seeds = new Uint32Array(rows.length * 3);
  const history: number[] = [];
  const historyStarts = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => {
    logits.set(r.logits, i * n);
    params.set(r.params, i * 8);
    seeds.set([0, r.seed ?? 0, r.step ?? 0], i * 3);
    history.push(...(r.history ?? []));
    historyStarts[i + 1] = history.length;
  });
  return sampler.sample({ logits, nVocab: n, params, rng: seeds, history: Int32Array.from(history), historyStarts });
}

/** log-softmax in double precision, rounded to float as the sampler reports it. */
function logSoftmax(x: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of x) if (v > max) max = v;
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(x, (v) => Math.fround(v - lse));
}

const PATHS: KernelPath[] = cpuFeatures().simd === 'avx512' ? ['scalar', 'avx2', 'auto'] : cpuFeatures().avx2 ? ['scalar', 'auto'] : ['scalar'];

async function onPath<T>(path: KernelPath, fn: () => Promise<T>): Promise<T> {
  setKernelPath(path);
  try {
    return await fn();
  } finally {
    setKernelPath('auto');
  }
}

/** Rows that stress the log-sum-exp: scales, infinities, ties, odd lengths. */
function adversarialRows(): [string, Float32Array][] {
  const next = rng(7);
  const withInf = gaussian(1003, 3, 4).map((v, i) => (i % 7 === 3 ? -Infinity : v));
  const farApart = Float32Array.from({ length: 257 }, (_, i) => (i === 100 ? 3e38 : i % 2 ? -3e38 : 1e30 * next()));
  const oneAbove = new Float32Array(4999).fill(-8);
  oneAbove[4998] = 0; // the max in the last, partial vector
  const nearCutoff = Float32Array.from({ length: 2049 }, (_, i) => (i === 0 ? 40 : 40 - 80 - 15 * next()));
  return [
    ['gaussian, length 4099', gaussian(4099, 1, 3)],
    ['wide gaussian, length 1031', gaussian(1031, 2, 30)],
    ['-Infinity entries', withInf],
    ['values far apart (1e30 .. 3e38, -3e38)', farApart],
    ['tiny values (1e-30)', Float32Array.from({ length: 515 }, () => 1e-30 * next())],
    ['all equal', new Float32Array(1000).fill(5.5)],
    ['all equal and large', new Float32Array(777).fill(-1e20)],
    ['one token above many equal ones', oneAbove],
    ['entries 80-95 below the max', nearCutoff],
    ['length 1', Float32Array.of(-3)],
    ['length 15', gaussian(15, 4)],
    ['length 17', gaussian(17, 5)],
    ['length 33', gaussian(33, 6)],
  ];
}

/** The k largest entries' ids, best first, ties to the lower id. */
function bestIds(x: Float32Array, k: number): number[] {
  const ids = Array.from(x, (_, i) => i);
  ids.sort((a, b) => x[b] - x[a] || a - b);
  return ids.slice(0, k);
}

/** The largest error in float steps, and in absolute terms where |reference| < 8 (a float step there is <= 4.8e-7). */
function compare(got: Float32Array | number[], want: Float64Array): { ulps: number; abs: number } {
  let ulps = 0;
  let abs = 0;
  want.forEach((w, i) => {
    const g = got[i];
    if (g === w) return;
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      ulps = Infinity;
      return;
    }
    const step = Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(w))) - 23));
    ulps = Math.max(ulps, Math.abs(g - w) / step);
    if (Math.abs(w) < 8) abs = Math.max(abs, Math.abs(g - w));
  });
  return { ulps, abs };
}

describe('native sampler log-probabilities', () => {
  for (const path of PATHS) {
    describe(`kernel path ${path}`, () => {
      for (const [name, row] of adversarialRows()) {
        it(`match double precision: ${name}`, async () => {
          const out = await onPath(path, () => sample([{ logits: row, params: greedy(row.length) }]));
          const want = logSoftmax(row);
          const got: number[] = [];
          // Reorder the reported best-first list into token order.
          for (let i = 0; i < row.length; i++) got[out.topTokens[i]] = out.topLogprobs[i];
          const err = compare(got, want);
          // Both round a double log-probability to float; the SIMD exp moves
          // the log-sum-exp by a few 1e-8 at most, which may flip that rounding.
          expect(err.ulps).toBeLessThanOrEqual(1);
          expect(err.abs).toBeLessThanOrEqual(1e-6);
        });
      }

      it('match double precision on full-vocabulary rows (49152 tokens)', async () => {
        const rows = [gaussian(49152, 11, 2), gaussian(49152, 12, 6), new Float32Array(49152).fill(1)];
        const out = await onPath(path, () => sample(rows.map((logits) => ({ logits, params: greedy(8) }))));
        rows.forEach((row, r) => {
          const want = logSoftmax(row);
          const ids = Array.from(out.topTokens.subarray(r * 8, r * 8 + 8));
          expect(ids).toEqual(bestIds(row, 8));
          const err = compare(
            ids.map((_, j) => out.topLogprobs[r * 8 + j]),
            Float64Array.from(ids, (t) => want[t]),
          );
          expect(err.ulps).toBeLessThanOrEqual(1);
          expect(err.abs).toBeLessThanOrEqual(1e-6);
          expect(out.logprobs[r]).toBe(out.topLogprobs[r * 8]);
        });
      });
    });
  }

  it('SIMD and scalar log-probabilities differ by at most 1e-6 (|logprob| < 8)', async () => {
    const rows = [gaussian(49152, 21, 3), gaussian(49152, 22, 1)];
    const run = (path: KernelPath) => onPath(path, () => sample(rows.map((logits) => ({ logits, params: greedy(1024) }))));
    const scalar = await run('scalar');
    for (const path of PATHS.filter((p) => p !== 'scalar')) {
      const simd = await run(path);
      expect(Array.from(simd.topTokens)).toEqual(Array.from(scalar.topTokens));
      let worst = 0;
      simd.topLogprobs.forEach((v, i) => {
        if (Math.abs(scalar.topLogprobs[i]) < 8) worst = Math.max(worst, Math.abs(v - scalar.topLogprobs[i]));
      });
      expect(worst).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe('native sampler picks', () => {
  // Rows of 1000 logits; tokens recorded from the scalar sampler before the
  // SIMD log-sum-exp and the in-place reading of logits (same seeds, steps).
  const logits = gaussian(1000, 31, 2.5);
  const tied = new Float32Array(1000).fill(-1);
  tied[17] = 4;
  tied[400] = 4;
  tied[999] = 4;
  const wide = gaussian(4096, 32, 3);
  const cases: [string, Row][] = [
    ['greedy', { logits, params: greedy() }],
    ['greedy, ties go to the lowest id', { logits: tied, params: greedy() }],
    ['greedy with a NaN first entry keeps entry 0', { logits: Float32Array.of(NaN, 1, 2), params: greedy() }],
    ['greedy with penalties', { logits, params: [0, 0, 1, 0, 1.3, 0.5, 0.2, 0], history: [0, 0, 5] }],
    ['temperature 1', { logits, params: [1, 0, 1, 0, 1, 0, 0, 0], seed: 9, step: 3 }],
    ['temperature 0.7, top-k 40', { logits, params: [0.7, 40, 1, 0, 1, 0, 0, 0], seed: 10, step: 1 }],
    ['temperature 1.2, top-p 0.9', { logits, params: [1.2, 0, 0.9, 0, 1, 0, 0, 0], seed: 11, step: 8 }],
    ['temperature 1, min-p 0.05', { logits, params: [1, 0, 1, 0.05, 1, 0, 0, 0], seed: 12, step: 2 }],
    ['temperature 0.9 with penalties', { logits, params: [0.9, 0, 0.95, 0, 1.1, 0.3, 0.1, 0], seed: 13, step: 5, history: [1, 2, 3] }],
    ['4096 tokens, temperature 1, top-p 0.8', { logits: wide, params: [1, 0, 0.8, 0, 1, 0, 0, 0], seed: 14, step: 4 }],
    ['4096 tokens, temperature 0.8, top-k 100', { logits: wide, params: [0.8, 100, 1, 0, 1, 0, 0, 0], seed: 15, step: 6 }],
  ];

  it('report the best ids best first, ties to the lower id', async () => {
    const row = Float32Array.from(gaussian(4096, 33, 2), (v) => Math.round(v * 4) / 4); // many ties
    const out = await sample([{ logits: row, params: greedy(50) }]);
    expect(Array.from(out.topTokens)).toEqual(bestIds(row, 50));
  });

  for (const path of PATHS) {
    it(`are the recorded tokens on kernel path ${path}`, async () => {
      const got: number[] = [];
      for (const [, row] of cases) got.push((await onPath(path, () => sample([row]))).tokens[0]);
      expect(got).toEqual(RECORDED);
    });
  }
});

// One per case above, in order.
const RECORDED = [752, 17, 0, 752, 412, 570, 708, 752, 64, 2295, 3978];
