// Percentiles and summaries of latency samples (milliseconds).

/** The q-quantile (0..1) of `samples` by the nearest-rank method. */
export function percentile(samples, q) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function summarize(samples) {
  return { n: samples.length, p50: percentile(samples, 0.5), p90: percentile(samples, 0.9), p99: percentile(samples, 0.99), max: Math.max(...samples) };
}

/** Milliseconds since `start` (a process.hrtime.bigint()). */
export function msSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * A distribution-free 95% confidence interval of the median: the order
 * statistics at ranks n/2 ± 0.98·√n (binomial, normal approximation). Two
 * builds whose intervals do not overlap differ; ones that overlap may not.
 */
export function medianInterval(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n < 10) return { low: NaN, high: NaN };
  const half = 0.98 * Math.sqrt(n);
  return { low: sorted[Math.max(0, Math.floor(n / 2 - half))], high: sorted[Math.min(n - 1, Math.ceil(n / 2 + half))] };
}
