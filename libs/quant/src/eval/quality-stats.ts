// Accumulates per-token scores and summarizes them the way the reference's
// KL-divergence report does: means with their uncertainty, perplexities,
// percentiles of KLD, same-top fraction, mean and RMS of delta-p.

import type { TokenScore } from './base-log-probs';

export interface QualitySummary {
  readonly tokens: number;
  readonly meanKld: number;
  readonly meanKldUncertainty: number;
  readonly maxKld: number;
  readonly p99Kld: number;
  readonly medianKld: number;
  readonly sameTop: number;
  readonly sameTopUncertainty: number;
  readonly meanDeltaP: number;
  readonly rmsDeltaP: number;
  readonly pplBase: number;
  readonly pplQuant: number;
  /** Mean of ln(PPL(Q)/PPL(base)). */
  readonly lnPplRatio: number;
}

/** mean and its uncertainty from a sum and a sum of squares, as the reference computes them. */
export function meanWithUncertainty(sum: number, sum2: number, n: number): { mean: number; unc: number } {
  const mean = sum / n;
  const variance = sum2 / n - mean * mean;
  return { mean, unc: variance > 0 && n > 10 ? Math.sqrt(variance / (n - 1)) : 0 };
}

/** Percentile p (0..1) by linear interpolation at index p·(N-1) of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

export class QualityStats {
  private n = 0;
  private sumNll = 0;
  private sumNllBase = 0;
  private sumKld = 0;
  private sumKld2 = 0;
  private sumDp = 0;
  private sumDp2 = 0;
  private sameTop = 0;
  private readonly klds: number[] = [];

  add(s: TokenScore): void {
    this.n++;
    this.sumNll += s.nll;
    this.sumNllBase += s.nllBase;
    this.sumKld += s.kld;
    this.sumKld2 += s.kld * s.kld;
    this.sumDp += s.deltaP;
    this.sumDp2 += s.deltaP * s.deltaP;
    if (s.sameTop) this.sameTop++;
    this.klds.push(s.kld);
  }

  get count(): number {
    return this.n;
  }

  summary(): QualitySummary {
    const n = this.n;
    if (n === 0) throw new RangeError('no tokens were scored; the calibration text is too short for the context size');
    const kld = meanWithUncertainty(this.sumKld, this.sumKld2, n);
    const sorted = Float64Array.from(this.klds).sort();
    const p = this.sameTop / n;
    return {
      tokens: n,
      meanKld: kld.mean,
      meanKldUncertainty: kld.unc,
      maxKld: sorted[n - 1],
      p99Kld: percentile(sorted, 0.99),
      medianKld: n % 2 === 0 ? (sorted[n / 2 - 1] + sorted[n / 2]) / 2 : sorted[(n - 1) / 2],
      sameTop: p,
      sameTopUncertainty: n > 1 ? Math.sqrt((p * (1 - p)) / (n - 1)) : 0,
      meanDeltaP: this.sumDp / n,
      rmsDeltaP: Math.sqrt(this.sumDp2 / n),
      pplBase: Math.exp(this.sumNllBase / n),
      pplQuant: Math.exp(this.sumNll / n),
      lnPplRatio: (this.sumNll - this.sumNllBase) / n,
    };
  }
}
