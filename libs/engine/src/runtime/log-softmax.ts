// Log-probabilities of one row of logits, and its most likely tokens. Used by
// the greedy helper and tests; the serving path samples natively.

export interface TokenLogprob {
  token: number;
  logprob: number;
}

/** log(softmax(row)) computed in double, as the reference's reports are. */
export function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of row) if (x > max) max = x;
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const logZ = max + Math.log(sum);
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = row[i] - logZ;
  return out;
}

/** The n most likely tokens, best first (ties: lower id first). */
export function topLogprobs(row: Float32Array, n: number): TokenLogprob[] {
  const lp = logSoftmax(row);
  const ids = Array.from(lp.keys());
  ids.sort((a, b) => lp[b] - lp[a] || a - b);
  return ids.slice(0, n).map((token) => ({ token, logprob: lp[token] }));
}
