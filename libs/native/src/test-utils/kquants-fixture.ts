// A fixed input for the K-quant kernels whose expected output digests were
// computed with the reference implementation (see kquants.spec.ts). Besides
// ordinary Gaussian rows it holds the awkward cases: an all-zero row, a
// constant row, values so small that x^2 underflows, large values, sparse
// rows, one-signed rows, small integers and rows with outliers.
import { gaussian, importance } from './random';

export const FIXTURE_N_PER_ROW = 512;

type RowMaker = (seed: number) => Float32Array;

const n = FIXTURE_N_PER_ROW;
const ROWS: RowMaker[] = [
  (s) => gaussian(n, s),
  (s) => gaussian(n, s, 0.02),
  (s) => gaussian(n, s, 3),
  (s) => {
    const x = gaussian(n, s, 1e-3);
    for (let i = 0; i < n; i += 37) x[i] *= 50;
    return x;
  },
  () => new Float32Array(n),
  () => new Float32Array(n).fill(-0.75),
  (s) => gaussian(n, s, 1e-30),
  (s) => gaussian(n, s, 1e4),
  (s) => gaussian(n, s).map((v, i) => (i % 10 === 0 ? v : 0)),
  (s) => gaussian(n, s).map((v) => Math.abs(v) + 0.5),
  (s) => gaussian(n, s).map((v) => -Math.abs(v) - 0.5),
  (s) => gaussian(n, s).map((v) => Math.max(-4, Math.min(3, Math.round(2 * v)))),
];

/** The fixture rows, concatenated (ROWS.length rows of FIXTURE_N_PER_ROW). */
export function fixtureRows(): Float32Array {
  const out = new Float32Array(ROWS.length * n);
  ROWS.forEach((make, r) => out.set(make(1000 + r), r * n));
  return out;
}

/** Importance weights for the fixture, including some zero weights. */
export function fixtureImatrix(): Float32Array {
  const w = importance(n, 77);
  for (let i = 5; i < n; i += 41) w[i] = 0;
  return w;
}
