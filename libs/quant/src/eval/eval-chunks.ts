// The reference's evaluation layout: the token stream is cut into chunks of
// n_ctx tokens, each evaluated from an empty cache with its first token
// replaced by BOS when the vocabulary adds one, and only the second half of
// each chunk is scored (positions n_ctx/2 .. n_ctx-2, each predicting the next
// token), so every scored token has at least n_ctx/2 tokens of context.

export interface EvalChunk {
  /** Tokens fed to the model (first replaced by BOS when asked). */
  readonly input: number[];
  /** The original tokens: input[j] predicts original[j + 1]. */
  readonly original: number[];
}

export interface ChunkOptions {
  readonly nCtx: number;
  /** BOS id to put in front when the vocabulary adds BOS; undefined: no substitution. */
  readonly bosId?: number;
  /** At most this many chunks (default: all that fit). */
  readonly maxChunks?: number;
}

export function evalChunks(tokens: readonly number[], opts: ChunkOptions): EvalChunk[] {
  const { nCtx } = opts;
  if (!Number.isInteger(nCtx) || nCtx < 8) throw new RangeError(`the context size must be an integer of at least 8, got ${nCtx}`);
  if (tokens.length < 2 * nCtx) {
    throw new RangeError(`the calibration text has ${tokens.length} tokens; at least 2·n_ctx = ${2 * nCtx} are needed (use a longer text or a smaller context)`);
  }
  const n = Math.min(Math.floor(tokens.length / nCtx), opts.maxChunks ?? Infinity);
  return Array.from({ length: n }, (_, c) => {
    const original = tokens.slice(c * nCtx, (c + 1) * nCtx);
    const input = [...original];
    if (opts.bosId !== undefined) input[0] = opts.bosId;
    return { input, original };
  });
}

/** Positions of a chunk whose logits are scored: n_ctx/2 .. n_ctx-2. */
export function scoredPositions(nCtx: number): number[] {
  const first = Math.floor(nCtx / 2);
  return Array.from({ length: nCtx - 1 - first }, (_, i) => first + i);
}
