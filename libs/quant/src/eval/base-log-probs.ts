// The reference perplexity tool keeps the base model's next-token
// distribution per scored position in a compact form: log-probabilities
// clamped to the top 16 nats and stored as 16-bit codes with a float scale and
// offset. KL divergence is then measured against this reconstruction, so we
// store the base the same way to report the same numbers.

/** One scored position of the base model. */
export interface BaseLogProbs {
  /** (max_logit - min_logit) / 65535, in float32. */
  readonly scale: number;
  /** min_logit - max_logit - log-sum-exp, in float32: the log-prob of code 0. */
  readonly minLogProb: number;
  readonly codes: Uint16Array;
}

/** Compresses one row of base logits. */
export function encodeBaseLogProbs(logits: Float32Array): BaseLogProbs {
  let max = -Infinity;
  let min = Infinity;
  for (const x of logits) {
    if (x > max) max = x;
    if (x < min) min = x;
  }
  min = Math.fround(Math.max(min, max - 16));
  let sum = 0;
  for (const x of logits) sum += Math.fround(Math.exp(Math.fround(x - max)));
  const lse = Math.log(sum);
  const scale = Math.fround((max - min) / 65535);
  const minLogProb = Math.fround(min - max - lse);
  const codes = new Uint16Array(logits.length);
  if (scale > 0) {
    const inv = Math.fround(1 / scale);
    for (let i = 0; i < logits.length; i++) {
      const x = logits[i];
      codes[i] = x > min ? Math.min(65535, Math.round(Math.fround(inv * Math.fround(x - min)))) : 0;
    }
  }
  return { scale, minLogProb, codes };
}

/** The reconstructed base log-probability of token i. */
export function baseLogProb(b: BaseLogProbs, i: number): number {
  return b.scale * b.codes[i] + b.minLogProb;
}

/** What one scored token contributes to the statistics. */
export interface TokenScore {
  /** -log p_quant(target). */
  readonly nll: number;
  /** -log p_base(target), from the compressed base. */
  readonly nllBase: number;
  readonly kld: number;
  readonly sameTop: boolean;
  /** p_quant(target) - p_base(target). */
  readonly deltaP: number;
}

/** Scores the quantized model's logits at one position against the base, for the actual next token. */
export function scoreToken(base: BaseLogProbs, logits: Float32Array, target: number): TokenScore {
  if (logits.length !== base.codes.length) throw new RangeError(`the rows differ in vocabulary size: ${logits.length} vs ${base.codes.length}`);
  let max = -Infinity;
  let imax = 0;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] > max) {
      max = logits[i];
      imax = i;
    }
  }
  let sum = 0;
  for (const x of logits) sum += Math.fround(Math.exp(Math.fround(x - max)));
  const lse = Math.log(sum);
  let kld = 0;
  let imaxBase = 0;
  for (let i = 0; i < logits.length; i++) {
    if (base.codes[i] > base.codes[imaxBase]) imaxBase = i;
    const lp = baseLogProb(base, i);
    if (lp > -16) kld += Math.exp(lp) * (lp - (logits[i] - max - lse));
  }
  const nll = max + lse - logits[target];
  const nllBase = -baseLogProb(base, target);
  return { nll, nllBase, kld, sameTop: imax === imaxBase, deltaP: Math.exp(-nll) - Math.exp(-nllBase) };
}
