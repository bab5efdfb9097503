/** How one request picks its tokens; names and defaults follow OpenAI / vLLM. */
export interface SamplingParams {
  /** 0 means greedy. */
  temperature: number;
  /** 0 disables top-k. */
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
  /** Makes sampling reproducible; undefined draws a random seed per request. */
  seed?: number;
  maxTokens: number;
  stop: string[];
  stopTokenIds: number[];
  /** Keep generating past end-of-sequence tokens (benchmarks). */
  ignoreEos: boolean;
  /** Number of top log-probabilities to return per token (0 = none). */
  logprobs: number;
  /** Completions per prompt (parallel sampling). */
  n: number;
}

export const DEFAULT_SAMPLING: SamplingParams = {
  temperature: 1,
  topK: 0,
  topP: 1,
  minP: 0,
  repetitionPenalty: 1,
  presencePenalty: 0,
  frequencyPenalty: 0,
  maxTokens: 16,
  stop: [],
  stopTokenIds: [],
  ignoreEos: false,
  logprobs: 0,
  n: 1,
};

export class SamplingParamsError extends RangeError {
  readonly code = 'EINVAL';
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'SamplingParamsError';
  }
}

function check(ok: boolean, param: string, message: string): void {
  if (!ok) throw new SamplingParamsError(param, `${param} ${message}`);
}

/** Fills defaults and rejects values that would make sampling meaningless. */
export function resolveSamplingParams(partial: Partial<SamplingParams>, vocabSize: number): SamplingParams {
  const p: SamplingParams = { ...DEFAULT_SAMPLING, ...stripUndefined(partial) };
  check(Number.isFinite(p.temperature) && p.temperature >= 0 && p.temperature <= 100, 'temperature', 'must be between 0 and 100');
  check(Number.isInteger(p.topK) && p.topK >= 0, 'top_k', 'must be a non-negative integer (0 disables it)');
  check(p.topP > 0 && p.topP <= 1, 'top_p', 'must be in (0, 1]');
  check(p.minP >= 0 && p.minP <= 1, 'min_p', 'must be in [0, 1]');
  check(p.repetitionPenalty > 0 && p.repetitionPenalty <= 10, 'repetition_penalty', 'must be in (0, 10]');
  check(Math.abs(p.presencePenalty) <= 2, 'presence_penalty', 'must be in [-2, 2]');
  check(Math.abs(p.frequencyPenalty) <= 2, 'frequency_penalty', 'must be in [-2, 2]');
  check(Number.isInteger(p.maxTokens) && p.maxTokens >= 1, 'max_tokens', 'must be a positive integer');
  check(Number.isInteger(p.logprobs) && p.logprobs >= 0 && p.logprobs <= 20, 'top_logprobs', 'must be an integer in [0, 20]');
  check(Number.isInteger(p.n) && p.n >= 1 && p.n <= 16, 'n', 'must be an integer in [1, 16]');
  check(p.seed === undefined || (Number.isSafeInteger(p.seed) && p.seed >= 0), 'seed', 'must be a non-negative integer');
  check(p.stop.length <= 8 && p.stop.every((s) => typeof s === 'string' && s.length > 0), 'stop', 'takes at most 8 non-empty strings');
  check(p.stopTokenIds.every((t) => Number.isInteger(t) && t >= 0 && t < vocabSize), 'stop_token_ids', `must be token ids below ${vocabSize}`);
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
