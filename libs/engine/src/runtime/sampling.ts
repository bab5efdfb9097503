// Native sampling of logits rows: penalties, temperature, top-k, top-p,
// min-p and a seeded draw, plus top-N log-probabilities of the raw logits.
// A draw is a pure function of (logits, params, history, seed, step), so a
// request replays identically whatever it is batched with.

import { RuntimeError, fromNative } from './errors';
import { loadNativeAddon } from './native-addon';
import type { NativeSampleRequest, NativeSampleResult } from '@tessera/native';

export interface RowSampling {
  /** 0 (or less) means greedy. */
  temperature: number;
  /** 0 disables top-k. */
  topK: number;
  /** 1 disables top-p. */
  topP: number;
  /** 0 disables min-p. */
  minP: number;
  /** 1 disables it; > 1 divides positive / multiplies negative logits of seen tokens. */
  repetitionPenalty: number;
  /** Subtracted once from every seen token's logit. */
  presencePenalty: number;
  /** Subtracted per occurrence of a seen token. */
  frequencyPenalty: number;
}

export interface SampleRow {
  /** Index of the logits row to sample. */
  row: number;
  params: RowSampling;
  /** Tokens the penalties look at (prompt and output so far). */
  history?: readonly number[];
  /** Non-negative safe integer; the draw stream of this request. */
  seed: number;
  /** Draw counter within the stream (e.g. tokens generated so far). Default 0. */
  step?: number;
  /** How many top log-probabilities to report (default 0). */
  topLogprobs?: number;
}

export interface SampledRow {
  token: number;
  /** log-softmax of the raw logits at `token`. */
  logprob: number;
  /** Best first: [token, log-probability] of the raw logits. */
  top: [number, number][];
}

const PARAMS_PER_ROW = 8;

function checkRow(r: SampleRow, nRows: number, i: number): void {
  const p = r.params;
  const fail = (what: string) => {
    throw new RuntimeError('EINVAL', `sample request ${i}: ${what}`);
  };
  if (!Number.isInteger(r.row) || r.row < 0 || r.row >= nRows) fail(`row ${r.row} is not one of the ${nRows} logits rows`);
  if (!Number.isFinite(p.temperature)) fail('temperature must be finite');
  if (!Number.isInteger(p.topK) || p.topK < 0) fail('topK must be a non-negative integer');
  if (!(p.topP > 0 && p.topP <= 1)) fail('topP must be in (0, 1]');
  if (!(p.minP >= 0 && p.minP <= 1)) fail('minP must be in [0, 1]');
  if (!(p.repetitionPenalty > 0)) fail('repetitionPenalty must be > 0');
  if (!Number.isFinite(p.presencePenalty) || !Number.isFinite(p.frequencyPenalty)) fail('penalties must be finite');
  if (!Number.isSafeInteger(r.seed) || r.seed < 0) fail('seed must be a non-negative safe integer');
  const step = r.step ?? 0;
  if (!Number.isInteger(step) || step < 0 || step > 0xffffffff) fail('step must be an integer in [0, 2^32)');
  const top = r.topLogprobs ?? 0;
  if (!Number.isInteger(top) || top < 0 || top > 1024) fail('topLogprobs must be an integer in [0, 1024]');
}

export interface SampleOptions {
  /**
   * Native calls the rows are spread over, run at once on libuv's pool
   * (default 1). A greedy row costs a SIMD log-sum-exp over the vocabulary
   * (about 45 us at 49k tokens); a row drawn with a temperature also a
   * double-precision softmax (about 0.9 ms), so a batch of rows
   * shares the cores the forward pass just used instead of queuing on one.
   */
  parallel?: number;
}

/**
 * Samples one token per request from rows × nVocab logits. The native side
 * reads `logits` in place: do not modify it until the promise settles.
 */
export async function sampleRows(
  logits: Float32Array,
  nVocab: number,
  requests: readonly SampleRow[],
  options: SampleOptions = {},
): Promise<SampledRow[]> {
  if (!Number.isInteger(nVocab) || nVocab < 1 || logits.length % nVocab !== 0) {
    throw new RuntimeError('EINVAL', `logits length ${logits.length} is not a whole number of rows of ${nVocab}`);
  }
  const nRows = logits.length / nVocab;
  requests.forEach((r, i) => checkRow(r, nRows, i));
  if (estimatedMicros(requests) <= SYNC_BUDGET_US) return sampleChunk(logits, nVocab, requests, true);
  const parts = Math.max(1, Math.min(Math.floor(options.parallel ?? 1), requests.length));
  const size = Math.ceil(requests.length / parts);
  const chunks: SampleRow[][] = [];
  for (let i = 0; i < requests.length; i += size) chunks.push(requests.slice(i, i + size));
  const results = await Promise.all(chunks.map((chunk) => sampleChunk(logits, nVocab, chunk)));
  return results.flat();
}

/**
 * Work below this many microseconds is sampled on the calling thread: a trip
 * through libuv's pool (queue, wake a pool thread, post the result back) took
 * 0.4-1.3 ms per step at 1 stream on a busy machine (the forward pass's
 * threads still hold the cores), against about 45 us for a greedy row. One decoding stream's step
 * thus samples in place; a batch of rows, or any row drawn with a temperature
 * (a double-precision softmax, about 0.9 ms), still goes off the thread.
 */
const SYNC_BUDGET_US = 200;
const GREEDY_ROW_US = 45;
const DRAWN_ROW_US = 900;

function estimatedMicros(requests: readonly SampleRow[]): number {
  let us = 0;
  for (const r of requests) us += r.params.temperature > 0 ? DRAWN_ROW_US : GREEDY_ROW_US;
  return us;
}

/** Whether any penalty reads the history (the native side ignores it otherwise). */
function usesHistory(p: RowSampling): boolean {
  return p.repetitionPenalty !== 1 || p.presencePenalty !== 0 || p.frequencyPenalty !== 0;
}

/** The rows a chunk samples, as one array: a view when they are consecutive, else gathered. */
function chunkLogits(logits: Float32Array, nVocab: number, requests: readonly SampleRow[]): Float32Array {
  const first = requests[0].row;
  if (requests.every((r, i) => r.row === first + i)) return logits.subarray(first * nVocab, (first + requests.length) * nVocab);
  const gathered = new Float32Array(requests.length * nVocab);
  requests.forEach((r, i) => gathered.set(logits.subarray(r.row * nVocab, (r.row + 1) * nVocab), i * nVocab));
  return gathered;
}

/** One native call: row i of its logits belongs to requests[i]; `inPlace` runs it on this thread. */
async function sampleChunk(logits: Float32Array, nVocab: number, requests: readonly SampleRow[], inPlace = false): Promise<SampledRow[]> {
  let out: NativeSampleResult;
  try {
    const req = { logits: chunkLogits(logits, nVocab, requests), nVocab, ...packSampleRows(requests) };
    out = inPlace ? loadNativeAddon().sampleSync(req) : await loadNativeAddon().sample(req);
  } catch (err) {
    throw fromNative(err);
  }
  return unpackSampled(out, requests);
}

/** Throws RuntimeError (EINVAL) unless every request is valid for `nRows` logits rows. */
export function checkSampleRows(requests: readonly SampleRow[], nRows: number): void {
  requests.forEach((r, i) => checkRow(r, nRows, i));
}

/** The requests in the addon's packed form (without logits): request i is row i of them. */
export function packSampleRows(requests: readonly SampleRow[]): Pick<NativeSampleRequest, 'params' | 'rng' | 'history' | 'historyStarts'> {
  const n = requests.length;
  const params = new Float32Array(n * PARAMS_PER_ROW);
  const rng = new Uint32Array(n * 3);
  const historyStarts = new Int32Array(n + 1);
  let historyLength = 0;
  for (const r of requests) if (r.history && usesHistory(r.params)) historyLength += r.history.length;
  const history = new Int32Array(historyLength);
  let h = 0;
  requests.forEach((r, i) => {
    const p = r.params;
    const o = i * PARAMS_PER_ROW;
    params[o] = p.temperature;
    params[o + 1] = p.topK;
    params[o + 2] = p.topP;
    params[o + 3] = p.minP;
    params[o + 4] = p.repetitionPenalty;
    params[o + 5] = p.presencePenalty;
    params[o + 6] = p.frequencyPenalty;
    params[o + 7] = r.topLogprobs ?? 0;
    rng[i * 3] = Math.floor(r.seed / 2 ** 32);
    rng[i * 3 + 1] = r.seed % 2 ** 32;
    rng[i * 3 + 2] = r.step ?? 0;
    if (r.history && usesHistory(p)) for (const t of r.history) history[h++] = t;
    historyStarts[i + 1] = h;
  });
  return { params, rng, history, historyStarts };
}

/** The addon's result for `requests`, one SampledRow each. */
export function unpackSampled(out: NativeSampleResult, requests: readonly SampleRow[]): SampledRow[] {
  return requests.map((r, i) => {
    const top: [number, number][] = [];
    for (let j = 0; j < (r.topLogprobs ?? 0); j++) top.push([out.topTokens[i * out.maxTop + j], out.topLogprobs[i * out.maxTop + j]]);
    return { token: out.tokens[i], logprob: out.logprobs[i], top };
  });
}
