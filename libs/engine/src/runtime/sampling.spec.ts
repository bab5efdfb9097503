import { RuntimeError } from './errors';
import { logSoftmax } from './log-softmax';
import { loadNativeAddon } from './native-addon';
import { RowSampling, sampleRows } from './sampling';

const GREEDY: RowSampling = { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0 };
const RANDOM: RowSampling = { ...GREEDY, temperature: 1 };

/** Logits whose softmax is exactly `probs`. */
function logitsOf(probs: number[]): Float32Array {
  return Float32Array.from(probs, (p) => Math.log(p));
}

/** Token frequencies over `n` seeded draws (steps 0..n-1 of one seed). */
async function frequencies(logits: Float32Array, params: RowSampling, n: number, seed = 42): Promise<number[]> {
  const reqs = Array.from({ length: n }, (_, step) => ({ row: 0, params, seed, step }));
  const out = await sampleRows(logits, logits.length, reqs);
  const counts = new Array(logits.length).fill(0);
  for (const r of out) counts[r.token]++;
  return counts.map((c) => c / n);
}

describe('sampleRows', () => {
  const probs = [0.5, 0.3, 0.15, 0.05];
  const logits = logitsOf(probs);

  it('greedy picks the largest logit of each requested row', async () => {
    const rows = Float32Array.from([0, 3, 1, 2, /* row 1 */ 5, 0, 0, 9]);
    const out = await sampleRows(rows, 4, [
      { row: 1, params: GREEDY, seed: 0 },
      { row: 0, params: GREEDY, seed: 0 },
    ]);
    expect(out.map((r) => r.token)).toEqual([3, 1]);
  });

  it('reports log-softmax of the raw logits, best first', async () => {
    const row = Float32Array.from([0.5, -1, 2, 1.25, 0]);
    const [r] = await sampleRows(row, 5, [{ row: 0, params: { ...GREEDY, repetitionPenalty: 3 }, history: [2], seed: 0, topLogprobs: 3 }]);
    const lp = logSoftmax(row);
    expect(r.top.map(([t]) => t)).toEqual([2, 3, 0]);
    r.top.forEach(([t, v]) => expect(v).toBeCloseTo(lp[t], 5));
    // The penalty moved the choice (2 / 3 < 1.25) but not the reported log-probs.
    expect(r.token).toBe(3);
    expect(r.logprob).toBeCloseTo(lp[3], 5);
  });

  it('is reproducible for a seed and step, and varies across steps', async () => {
    const req = (seed: number, step: number) => ({ row: 0, params: RANDOM, seed, step });
    const a = await sampleRows(logits, 4, [req(7, 3), req(7, 3), req(2 ** 40 + 5, 3)]);
    const b = await sampleRows(logits, 4, [req(7, 3)]);
    expect(a[0].token).toBe(a[1].token);
    expect(b[0].token).toBe(a[0].token);
    const draws = await sampleRows(logits, 4, Array.from({ length: 64 }, (_, s) => req(7, s)));
    expect(new Set(draws.map((d) => d.token)).size).toBeGreaterThan(2);
  });

  it('draws in proportion to softmax(logits / temperature)', async () => {
    const f = await frequencies(logits, RANDOM, 4000);
    f.forEach((x, i) => expect(Math.abs(x - probs[i])).toBeLessThan(0.03));
    // Temperature 0.5 squares and renormalizes the probabilities.
    const sq = probs.map((p) => p * p);
    const z = sq.reduce((a, b) => a + b);
    const g = await frequencies(logits, { ...RANDOM, temperature: 0.5 }, 4000);
    g.forEach((x, i) => expect(Math.abs(x - sq[i] / z)).toBeLessThan(0.03));
  });

  it('top-k keeps the k most likely tokens', async () => {
    const f = await frequencies(logits, { ...RANDOM, topK: 2 }, 2000);
    expect(f[2] + f[3]).toBe(0);
    expect(Math.abs(f[0] - 0.5 / 0.8)).toBeLessThan(0.04);
    expect((await frequencies(logits, { ...RANDOM, topK: 1 }, 200))[0]).toBe(1);
  });

  it('top-p keeps the smallest prefix reaching p', async () => {
    const f = await frequencies(logits, { ...RANDOM, topP: 0.7 }, 2000);
    expect(f[2] + f[3]).toBe(0);
    expect(f[1]).toBeGreaterThan(0.3);
    const g = await frequencies(logits, { ...RANDOM, topP: 0.85 }, 2000);
    expect(g[3]).toBe(0);
    expect(g[2]).toBeGreaterThan(0.1);
  });

  it('top-p over a large flat vocabulary keeps a prefix longer than the first sorted head', async () => {
    // 8000 tokens in decreasing order, each 1/8000-ish: p = 0.5 keeps about
    // the best 4000, far beyond the 256 sorted first.
    const big = Float32Array.from({ length: 8000 }, (_, i) => -i * 1e-5);
    const f = await frequencies(big, { ...RANDOM, topP: 0.5 }, 400);
    const drawn = f.flatMap((x, id) => (x > 0 ? [id] : []));
    expect(Math.max(...drawn)).toBeGreaterThan(2048);
    expect(Math.max(...drawn)).toBeLessThan(4100);
  });

  it('min-p drops tokens below min_p times the best probability', async () => {
    const f = await frequencies(logits, { ...RANDOM, minP: 0.5 }, 2000); // keeps p >= 0.25
    expect(f[2] + f[3]).toBe(0);
    expect(f[0] + f[1]).toBe(1);
    const g = await frequencies(logits, { ...RANDOM, minP: 0.2 }, 2000); // keeps p >= 0.1
    expect(g[3]).toBe(0);
    expect(g[2]).toBeGreaterThan(0.1);
  });

  it('repetition penalty divides positive and multiplies negative logits of seen tokens', async () => {
    const row = Float32Array.from([2, 1.5, -0.5, -0.6]);
    const pick = async (params: RowSampling, history: number[]) => (await sampleRows(row, 4, [{ row: 0, params, history, seed: 0 }]))[0].token;
    expect(await pick(GREEDY, [0])).toBe(0);
    expect(await pick({ ...GREEDY, repetitionPenalty: 2 }, [0])).toBe(1); // 2 / 2 = 1 < 1.5
    // Negative: -0.5 * 4 = -2 falls below -0.6.
    const neg = Float32Array.from([-0.5, -0.6]);
    const [r] = await sampleRows(neg, 2, [{ row: 0, params: { ...GREEDY, repetitionPenalty: 4 }, history: [0], seed: 0 }]);
    expect(r.token).toBe(1);
  });

  it('presence and frequency penalties subtract per seen token and per occurrence', async () => {
    const row = Float32Array.from([3, 1.9, 1.4]);
    const pick = async (params: RowSampling, history: number[]) => (await sampleRows(row, 3, [{ row: 0, params, history, seed: 0 }]))[0].token;
    expect(await pick({ ...GREEDY, presencePenalty: 1 }, [0, 0, 0])).toBe(0); // 3 - 1 = 2 > 1.9
    expect(await pick({ ...GREEDY, presencePenalty: 1.2 }, [0])).toBe(1); // 1.8 < 1.9
    expect(await pick({ ...GREEDY, frequencyPenalty: 0.5 }, [0])).toBe(0); // 2.5
    expect(await pick({ ...GREEDY, frequencyPenalty: 0.6 }, [0, 0, 0, 1])).toBe(2); // 1.2, 1.3, 1.4
  });

  it('spreading the rows over parallel native calls changes no draw, log-prob or history', async () => {
    const nVocab = 64;
    const rows = Float32Array.from({ length: 5 * nVocab }, (_, i) => Math.sin(i * 0.37) * 4);
    const best = (row: number) => {
      const r = Array.from(rows.subarray(row * nVocab, (row + 1) * nVocab));
      return r.indexOf(Math.max(...r));
    };
    // Consecutive rows (sampled in place), a repeated and an out-of-order row
    // (gathered), penalties whose history must stay with its own row.
    const requests = [
      { row: 0, params: RANDOM, seed: 11, step: 2, topLogprobs: 3 },
      { row: 1, params: { ...GREEDY, repetitionPenalty: 5 }, history: [3, best(1), 12], seed: 0 },
      { row: 2, params: { ...RANDOM, topK: 5 }, seed: 12, step: 9 },
      { row: 2, params: { ...GREEDY, frequencyPenalty: 2 }, history: [best(2)], seed: 0, topLogprobs: 2 },
      { row: 4, params: { ...RANDOM, topP: 0.8 }, seed: 13 },
      { row: 3, params: { ...GREEDY, presencePenalty: 2 }, history: [5, best(3), 9], seed: 0 },
    ];
    const one = await sampleRows(rows, nVocab, requests);
    for (const parallel of [2, 3, 6, 16]) expect(await sampleRows(rows, nVocab, requests, { parallel })).toEqual(one);
    // Each penalised row's history holds its own best token, which it then
    // avoids: a history handed to the wrong row (or dropped) would show.
    for (const [i, row] of [[1, 1], [3, 2], [5, 3]]) expect(one[i].token).not.toBe(best(row));
  });

  it('samples the same on the calling thread as on the pool (few greedy rows run in place)', async () => {
    const nVocab = 64;
    const rows = Float32Array.from({ length: 3 * nVocab }, (_, i) => Math.cos(i * 0.71) * 3);
    const greedy = [
      { row: 2, params: { ...GREEDY, repetitionPenalty: 3 }, history: [7, 40], seed: 0, topLogprobs: 4 },
      { row: 0, params: GREEDY, seed: 0, topLogprobs: 2 },
    ];
    // Two greedy rows fit the in-place budget; adding a drawn row sends the
    // whole batch to the pool, where each greedy row must come out the same.
    const inPlace = await sampleRows(rows, nVocab, greedy);
    const pooled = await sampleRows(rows, nVocab, [...greedy, { row: 1, params: RANDOM, seed: 5 }]);
    expect(pooled.slice(0, 2)).toEqual(inPlace);
    const native = loadNativeAddon();
    const request = {
      logits: rows,
      nVocab,
      params: Float32Array.from([0.7, 5, 0.9, 0, 1.1, 0, 0, 3, 0, 0, 1, 0, 1, 0.5, 0.5, 2, 1, 0, 1, 0.1, 1, 0, 0, 0]),
      rng: Uint32Array.from([0, 9, 3, 0, 0, 0, 1, 2, 0]),
      history: Int32Array.from([1, 2, 2]),
      historyStarts: Int32Array.from([0, 1, 3, 3]),
    };
    const sync = native.sampleSync(request);
    expect(sync).toEqual(await native.sample(request));
    expect(() => native.sampleSync({ ...request, nVocab: 7 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('rejects bad requests with typed errors', async () => {
    await expect(sampleRows(logits, 3, [])).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(sampleRows(logits, 4, [{ row: 1, params: GREEDY, seed: 0 }])).rejects.toBeInstanceOf(RuntimeError);
    await expect(sampleRows(logits, 4, [{ row: 0, params: { ...GREEDY, topP: 0 }, seed: 0 }])).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(sampleRows(logits, 4, [{ row: 0, params: GREEDY, seed: -1 }])).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
