// The quantization service's shared vocabulary: queue names, job payloads and
// results, progress, default job options and how job ids are derived. The
// gateway (producer) and the quantizer (processors) both import this; it
// imports nothing of ours.

/** BullMQ queue names, one per job kind. */
export enum QuantQueue {
  Convert = 'convert',
  Quantize = 'quantize',
  Evaluate = 'evaluate',
  Report = 'report',
}

/** Presets the API accepts (kept equal to @tessera/quant's table by a test there). */
export const QUANT_PRESET_NAMES: readonly string[] = [
  'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K_S', 'Q3_K_M', 'Q3_K_L', 'Q4_K_S', 'Q4_K_M',
  'Q5_K_S', 'Q5_K_M', 'Q6_K', 'IQ4_NL', 'IQ4_XS', 'F16', 'BF16', 'F32', 'Q3_K', 'Q4_K', 'Q5_K',
];

/** What a team asks for: POST /v1/quantizations. */
export interface QuantizationRequest {
  /** file:<path>, hf://<org>/<name>[@rev] or model:<name>[:<tag>]. */
  readonly source: string;
  readonly presets: readonly string[];
  /** Name the results are stored under (default: derived from the source). */
  readonly name?: string;
  /** Measure quality against the source (default true). */
  readonly evaluate?: boolean;
}

/** Everything a sweep needs, fixed at submission; hashed into its id. */
export interface SweepPlan {
  readonly sweepId: string;
  readonly team: string;
  readonly name: string;
  readonly source: string;
  /** Canonical preset names, in the order asked. */
  readonly presets: readonly string[];
  readonly evaluate: boolean;
}

/** convert: fetch the source, convert Hugging Face checkpoints to F16 GGUF, store it, then start the sweep's flow. */
export interface ConvertJobData {
  readonly plan: SweepPlan;
}

export interface ConvertJobResult {
  readonly digest: string;
  readonly size: number;
  /** "F16", "F32", ... or the preset of a GGUF source. */
  readonly format: string;
}

export interface QuantizeJobData {
  readonly plan: SweepPlan;
  readonly preset: string;
  /** The F16/F32 GGUF to quantize. */
  readonly sourceDigest: string;
}

export interface QuantizeJobResult {
  readonly preset: string;
  readonly digest: string;
  readonly size: number;
  readonly bitsPerWeight: number;
  readonly seconds: number;
  /** Manifest tag the artifact is stored under. */
  readonly tag: string;
}

export interface EvaluateJobData {
  readonly plan: SweepPlan;
  readonly preset: string;
  readonly sourceDigest: string;
}

/** Quality of a quantized model against its source (definitions: llama-perplexity's KLD mode). */
export interface QualityMetrics {
  /** Scored tokens. */
  readonly tokens: number;
  readonly meanKld: number;
  readonly meanKldUncertainty: number;
  readonly maxKld: number;
  readonly p99Kld: number;
  /** Fraction of tokens whose most likely next token is the same (0..1). */
  readonly sameTop: number;
  /** Mean of p_quant(t) - p_base(t) over actual next tokens t (0..1 scale). */
  readonly meanDeltaP: number;
  readonly rmsDeltaP: number;
  readonly pplBase: number;
  readonly pplQuant: number;
}

export interface EvaluateJobResult {
  readonly preset: string;
  readonly digest: string;
  readonly size: number;
  readonly bitsPerWeight: number;
  readonly quality: QualityMetrics;
  /** Greedy generation speed of the quantized model on the quantizer's hardware. */
  readonly generationTokensPerSecond: number;
}

export interface ReportJobData {
  readonly plan: SweepPlan;
  readonly sourceDigest: string;
  readonly sourceSize: number;
}

export interface SweepReportRow {
  readonly preset: string;
  readonly digest: string;
  readonly tag: string;
  readonly size: number;
  readonly bitsPerWeight: number;
  readonly quality?: QualityMetrics;
  readonly generationTokensPerSecond?: number;
}

export interface SweepReport {
  readonly sweepId: string;
  readonly team: string;
  readonly name: string;
  readonly source: string;
  readonly sourceDigest: string;
  readonly sourceSize: number;
  /** Presets that finished, by mean KL divergence (lowest first) when evaluated, else by size. */
  readonly rows: readonly SweepReportRow[];
  /** Presets that failed, with why. */
  readonly failures: ReadonlyArray<{ readonly preset: string; readonly error: string }>;
  readonly createdAt: string;
}

/** What every job reports through job.updateProgress. */
export interface QuantJobProgress {
  readonly percent: number;
  readonly stage: string;
  readonly tensor?: string;
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
}

/** BullMQ key prefix of the quantization queues unless configured otherwise (QUANT_QUEUE_PREFIX). */
export const DEFAULT_QUANT_QUEUE_PREFIX = 'tessera';

/** Redis pub/sub channel on which the gateway announces cancelled sweeps (message: the sweep id). */
export const QUANT_CANCEL_CHANNEL = 'tessera:quant:cancel';
/** Redis key marking a sweep as cancelled (value "1"), checked by every job before it starts. */
export const quantCancelKey = (sweepId: string): string => `tessera:quant:cancelled:${sweepId}`;

/**
 * Default options of every quantization job: retries with exponential backoff
 * and jitter, finished jobs kept a while (age in seconds, count) for status
 * queries and deduplication.
 */
export const QUANT_JOB_DEFAULTS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 5000 },
} as const;

/** Job ids of a sweep's jobs: derived from the plan, so the same work submitted twice maps to the same jobs. */
export const quantJobIds = {
  convert: (sweepId: string): string => `convert.${sweepId}`,
  quantize: (sweepId: string, preset: string): string => `quantize.${sweepId}.${preset}`,
  evaluate: (sweepId: string, preset: string): string => `evaluate.${sweepId}.${preset}`,
  report: (sweepId: string): string => `report.${sweepId}`,
};

/** Why a quantization job failed, as the API reports it. */
export type QuantFailureCode =
  | 'invalid_preset'
  | 'invalid_source'
  | 'source_not_found'
  | 'source_outside_import_dir'
  | 'source_corrupt'
  | 'source_too_large'
  | 'hub_failed'
  | 'cancelled'
  | 'internal';

/** A job's failed reason is `<code>: <message>` so the gateway can report the code. */
export function formatQuantFailure(code: QuantFailureCode, message: string): string {
  return `${code}: ${message}`;
}

export function parseQuantFailure(reason: string | undefined): { code: QuantFailureCode; message: string } {
  const m = /^([a-z_]+): ([^]*)$/.exec(reason ?? '');
  const codes: readonly string[] = ['invalid_preset', 'invalid_source', 'source_not_found', 'source_outside_import_dir', 'source_corrupt', 'source_too_large', 'hub_failed', 'cancelled', 'internal'];
  if (m && codes.includes(m[1])) return { code: m[1] as QuantFailureCode, message: m[2] };
  return { code: 'internal', message: reason ?? 'unknown failure' };
}
