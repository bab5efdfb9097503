// What a sweep looks like from outside: one state, a percentage, and per preset
// where it is, what it produced and why it failed. Reading is split in two: a
// snapshot of the sweep's BullMQ jobs (I/O, snapshot-sweep.ts) and this pure
// summary of it, so the rules are tested without Redis.

import {
  EvaluateJobResult,
  QualityMetrics,
  QuantFailureCode,
  QuantJobProgress,
  QuantizeJobResult,
  SweepPlan,
  SweepReport,
  parseQuantFailure,
} from '@tessera/contracts';

/** Where one job is: not created yet, waiting (incl. retry backoff), running, or finished. */
export type JobPhase = 'pending' | 'queued' | 'active' | 'completed' | 'failed';

export interface JobSnapshot {
  readonly phase: JobPhase;
  readonly progress?: QuantJobProgress;
  readonly result?: unknown;
  /** BullMQ's failedReason (`<code>: <message>`), set when phase is failed. */
  readonly failedReason?: string;
}

export interface SweepSnapshot {
  readonly plan: SweepPlan;
  readonly cancelled: boolean;
  readonly convert: JobSnapshot;
  readonly presets: ReadonlyArray<{ readonly preset: string; readonly quantize: JobSnapshot; readonly evaluate?: JobSnapshot }>;
  readonly report: JobSnapshot;
}

export type SweepState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelling' | 'cancelled';
export type PresetState = 'pending' | 'queued' | 'quantizing' | 'evaluating' | 'completed' | 'failed' | 'cancelled';
export type SweepStage = 'convert' | 'quantize' | 'evaluate' | 'report';

export interface SweepError {
  readonly stage: SweepStage;
  readonly preset?: string;
  readonly code: QuantFailureCode;
  readonly message: string;
}

export interface PresetStatus {
  readonly preset: string;
  readonly state: PresetState;
  readonly percent: number;
  /** What the running job reported last (tensor, bytes). */
  readonly progress?: QuantJobProgress;
  readonly artifact?: { readonly digest: string; readonly size: number; readonly bitsPerWeight: number; readonly tag: string };
  readonly quality?: QualityMetrics;
  readonly generationTokensPerSecond?: number;
  readonly error?: SweepError;
}

export interface SweepStatus {
  readonly sweepId: string;
  readonly state: SweepState;
  /** True once no job of the sweep is waiting or running: nothing will change any more. */
  readonly done: boolean;
  readonly percent: number;
  readonly source: { readonly phase: JobPhase; readonly percent: number; readonly progress?: QuantJobProgress; readonly digest?: string; readonly size?: number; readonly format?: string };
  readonly presets: readonly PresetStatus[];
  readonly report?: SweepReport;
  readonly errors: readonly SweepError[];
}

/** Shares of the overall percentage: fetching/converting the source, the presets, the report. */
const SHARE = { convert: 10, presets: 85, report: 5 } as const;

const isFinished = (s: JobSnapshot) => s.phase === 'completed' || s.phase === 'failed';
const jobPercent = (s: JobSnapshot) => (isFinished(s) ? 100 : s.phase === 'active' ? (s.progress?.percent ?? 0) : 0);
const round1 = (x: number) => Math.round(x * 10) / 10;

function errorOf(stage: SweepStage, s: JobSnapshot, preset?: string): SweepError | undefined {
  if (s.phase !== 'failed') return undefined;
  const { code, message } = parseQuantFailure(s.failedReason);
  return { stage, ...(preset ? { preset } : {}), code, message };
}

export function summarizePreset(preset: string, quantize: JobSnapshot, evaluate: JobSnapshot | undefined): PresetStatus {
  const error = errorOf('quantize', quantize, preset) ?? (evaluate && errorOf('evaluate', evaluate, preset));
  if (error) return { preset, state: error.code === 'cancelled' ? 'cancelled' : 'failed', percent: 100, error };
  const quantized = quantize.phase === 'completed' ? (quantize.result as QuantizeJobResult) : undefined;
  const artifact = quantized && { digest: quantized.digest, size: quantized.size, bitsPerWeight: quantized.bitsPerWeight, tag: quantized.tag };
  if (quantized && (!evaluate || evaluate.phase === 'completed')) {
    const evaluated = evaluate?.result as EvaluateJobResult | undefined;
    return { preset, state: 'completed', percent: 100, artifact, ...(evaluated ? { quality: evaluated.quality, generationTokensPerSecond: evaluated.generationTokensPerSecond } : {}) };
  }
  const share = evaluate ? 0.5 : 1;
  if (quantize.phase === 'active') return { preset, state: 'quantizing', percent: round1(jobPercent(quantize) * share), progress: quantize.progress };
  if (quantized && evaluate) {
    const running = evaluate.phase === 'active';
    return { preset, state: running ? 'evaluating' : 'queued', percent: round1(50 + jobPercent(evaluate) / 2), artifact, ...(running ? { progress: evaluate.progress } : {}) };
  }
  return { preset, state: quantize.phase === 'queued' ? 'queued' : 'pending', percent: 0 };
}

export function summarizeSweep(snap: SweepSnapshot): SweepStatus {
  const presets = snap.presets.map((p) => summarizePreset(p.preset, p.quantize, p.evaluate));
  const jobs = [snap.convert, snap.report, ...snap.presets.flatMap((p) => (p.evaluate ? [p.quantize, p.evaluate] : [p.quantize]))];
  const idle = !jobs.some((j) => j.phase === 'queued' || j.phase === 'active');
  const report = snap.report.phase === 'completed' ? (snap.report.result as SweepReport) : undefined;
  const errors = [errorOf('convert', snap.convert), ...presets.map((p) => p.error), errorOf('report', snap.report)].filter((e): e is SweepError => e !== undefined);

  let state: SweepState;
  let done: boolean;
  if (snap.cancelled && !report) {
    done = idle;
    state = done ? 'cancelled' : 'cancelling';
  } else if (snap.convert.phase === 'failed' || snap.report.phase === 'failed') {
    [state, done] = ['failed', true];
  } else if (report) {
    [state, done] = [report.rows.length > 0 ? 'completed' : 'failed', true];
  } else {
    state = snap.convert.phase === 'queued' || snap.convert.phase === 'pending' ? 'queued' : 'running';
    done = false;
  }

  const presetShare = presets.length ? presets.reduce((sum, p) => sum + p.percent, 0) / presets.length : 100;
  const percent = done ? 100 : round1((SHARE.convert * jobPercent(snap.convert) + SHARE.presets * presetShare + SHARE.report * (snap.report.phase === 'active' ? 50 : 0)) / 100);
  const converted = snap.convert.phase === 'completed' ? (snap.convert.result as { digest: string; size: number; format: string }) : undefined;
  return {
    sweepId: snap.plan.sweepId,
    state,
    done,
    percent,
    source: {
      phase: snap.convert.phase,
      percent: jobPercent(snap.convert),
      ...(snap.convert.phase === 'active' && snap.convert.progress ? { progress: snap.convert.progress } : {}),
      ...(converted ? { digest: converted.digest, size: converted.size, format: converted.format } : {}),
    },
    presets,
    ...(report ? { report } : {}),
    errors,
  };
}
