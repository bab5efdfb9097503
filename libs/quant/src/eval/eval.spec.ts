import { QUANT_PRESET_NAMES } from '@tessera/contracts';
import { PRESET_NAMES } from '../presets';
import { baseLogProb, encodeBaseLogProbs, scoreToken } from './base-log-probs';
import { modelSize } from './bits-per-weight';
import { calibrationText } from './calibration-text';
import { evalChunks, scoredPositions } from './eval-chunks';
import { QualityStats, meanWithUncertainty, percentile } from './quality-stats';
import { sizeKldChart } from './size-kld-chart';

function randomRow(n: number, seed: number, spread = 4): Float32Array {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: n }, () => (next() - 0.5) * 2 * spread);
}

/** Exact KL(base || quant) in double, over all tokens. */
function exactKld(base: Float32Array, quant: Float32Array): number {
  const lsm = (r: Float32Array) => {
    const m = Math.max(...r);
    const z = Math.log(r.reduce((a, x) => a + Math.exp(x - m), 0)) + m;
    return Array.from(r, (x) => x - z);
  };
  const p = lsm(base);
  const q = lsm(quant);
  return p.reduce((a, lp, i) => a + Math.exp(lp) * (lp - q[i]), 0);
}

describe('base log-prob compression (reference layout)', () => {
  it('keeps the top 16 nats in 16-bit codes, argmax at 65535', () => {
    const row = randomRow(1000, 1, 12);
    const b = encodeBaseLogProbs(row);
    const top = row.indexOf(Math.max(...row));
    expect(b.codes[top]).toBe(65535);
    const z = Math.log(row.reduce((a, x) => a + Math.exp(x - row[top]), 0));
    expect(baseLogProb(b, top)).toBeCloseTo(-z, 4);
    // Logits more than 16 below the max collapse to code 0.
    row.forEach((x, i) => {
      if (x < row[top] - 16) expect(b.codes[i]).toBe(0);
    });
  });

  it('gives all-zero codes to a flat row', () => {
    const b = encodeBaseLogProbs(new Float32Array(8).fill(2));
    expect(b.scale).toBe(0);
    expect(Array.from(b.codes)).toEqual(new Array(8).fill(0));
  });
});

describe('scoreToken', () => {
  it('scores identical logits as (almost) no divergence and the same top token', () => {
    const row = randomRow(512, 2);
    const s = scoreToken(encodeBaseLogProbs(row), row, 7);
    expect(s.kld).toBeLessThan(1e-6);
    expect(s.sameTop).toBe(true);
    expect(Math.abs(s.deltaP)).toBeLessThan(1e-5);
    expect(s.nll).toBeCloseTo(s.nllBase, 4);
  });

  it('matches the exact KL divergence and grows with the perturbation', () => {
    const base = randomRow(512, 3);
    let last = 0;
    for (const eps of [0.05, 0.2, 0.8]) {
      const noise = randomRow(512, 4, eps);
      const quant = base.map((x, i) => x + noise[i]);
      const s = scoreToken(encodeBaseLogProbs(base), quant, 11);
      expect(s.kld).toBeGreaterThan(last);
      expect(s.kld).toBeCloseTo(exactKld(base, quant), 3);
      last = s.kld;
    }
  });

  it('reports a changed top token and the probability difference of the target', () => {
    const base = Float32Array.of(3, 1, 0, 0);
    const quant = Float32Array.of(1, 3, 0, 0);
    const s = scoreToken(encodeBaseLogProbs(base), quant, 1);
    expect(s.sameTop).toBe(false);
    const soft = (r: Float32Array, i: number) => Math.exp(r[i]) / r.reduce((a, x) => a + Math.exp(x), 0);
    expect(s.deltaP).toBeCloseTo(soft(quant, 1) - soft(base, 1), 4);
  });
});

describe('QualityStats', () => {
  it('uses the reference formulas for means, uncertainty and percentiles', () => {
    expect(meanWithUncertainty(10, 30, 5)).toEqual({ mean: 2, unc: 0 }); // N <= 10: no uncertainty
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const r = meanWithUncertainty(xs.reduce((a, b) => a + b), xs.reduce((a, b) => a + b * b), 20);
    expect(r.mean).toBe(9.5);
    expect(r.unc).toBeCloseTo(Math.sqrt((2470 / 20 - 9.5 ** 2) / 19), 12);
    expect(percentile([0, 10, 20], 0.25)).toBe(5);
  });

  it('summarizes scores into KLD, same-top, delta-p and perplexities', () => {
    const st = new QualityStats();
    st.add({ nll: Math.log(2), nllBase: Math.log(4), kld: 0.1, sameTop: true, deltaP: 0.25 });
    st.add({ nll: Math.log(8), nllBase: Math.log(4), kld: 0.3, sameTop: false, deltaP: -0.125 });
    const s = st.summary();
    expect(s).toMatchObject({ tokens: 2, sameTop: 0.5, maxKld: 0.3, medianKld: 0.2 });
    expect(s.meanKld).toBeCloseTo(0.2, 12);
    expect(s.pplQuant).toBeCloseTo(4, 12);
    expect(s.pplBase).toBeCloseTo(4, 12);
    expect(s.meanDeltaP).toBeCloseTo(0.0625, 12);
    expect(s.rmsDeltaP).toBeCloseTo(Math.sqrt((0.0625 + 0.015625) / 2), 12);
    expect(() => new QualityStats().summary()).toThrow(/too short/);
  });
});

describe('evaluation chunks', () => {
  it('cuts n_ctx chunks, puts BOS first, scores the second half', () => {
    const tokens = Array.from({ length: 50 }, (_, i) => 100 + i);
    const chunks = evalChunks(tokens, { nCtx: 16, bosId: 1 });
    expect(chunks).toHaveLength(3);
    expect(chunks[1].input).toEqual([1, ...tokens.slice(17, 32)]);
    expect(chunks[1].original).toEqual(tokens.slice(16, 32));
    expect(scoredPositions(16)).toEqual([8, 9, 10, 11, 12, 13, 14]);
    expect(scoredPositions(512)).toHaveLength(255);
    expect(evalChunks(tokens, { nCtx: 16, maxChunks: 2 })[0].input[0]).toBe(100);
    expect(() => evalChunks(tokens, { nCtx: 32 })).toThrow(/at least 2·n_ctx = 64/);
  });
});

describe('calibration text', () => {
  it('is deterministic, long enough and seed-dependent', () => {
    const a = calibrationText(2000, 1);
    expect(calibrationText(2000, 1)).toBe(a);
    expect(calibrationText(2000, 2)).not.toBe(a);
    expect(a.split(/\s+/).length).toBeGreaterThanOrEqual(2000);
    expect(a).toMatch(/^\S[^]*[.?!]\n$/);
  });
});

describe('report helpers', () => {
  it('computes bits per weight from tensor bytes', () => {
    const s = modelSize({ fileSize: 2000, tensors: [{ nBytes: 18, dims: [32] }, { nBytes: 1024, dims: [16, 16] }] as never });
    expect(s).toEqual({ fileBytes: 2000, tensorBytes: 1042, parameters: 288, bitsPerWeight: (1042 * 8) / 288 });
  });

  it('draws one labelled point per preset and escapes text', () => {
    const svg = sizeKldChart(
      [
        { label: 'Q4_0', sizeBytes: 5e6, meanKld: 0.05 },
        { label: 'Q8_0', sizeBytes: 9e6, meanKld: 0.0005 },
        { label: '<b>', sizeBytes: 6e6, meanKld: 0.01 },
      ],
      'sweep & co',
    );
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain('sweep &#38; co');
    expect(svg).not.toContain('<b>');
    const y = (label: string) => Number(new RegExp(`<text x="[\\d.]+" y="([\\d.]+)">${label}<`).exec(svg)![1]);
    expect(y('Q8_0')).toBeGreaterThan(y('Q4_0')); // lower KLD is drawn lower
  });
});

it('the API accepts exactly the presets @tessera/quant knows', () => {
  expect([...QUANT_PRESET_NAMES].sort()).toEqual([...PRESET_NAMES].sort());
});
