import { SweepPlan, SweepReport } from '@tessera/contracts';
import { JobSnapshot, SweepSnapshot, summarizePreset, summarizeSweep } from './sweep-status';

const plan: SweepPlan = { sweepId: 'qz-1', team: 'acme', name: 'm', source: 'file:m', presets: ['Q4_0', 'Q8_0'], evaluate: true };
const pending: JobSnapshot = { phase: 'pending' };
const queued: JobSnapshot = { phase: 'queued' };
const quantized = (preset: string): JobSnapshot => ({ phase: 'completed', result: { preset, digest: `sha256:${preset}`, size: 100, bitsPerWeight: 4.5, seconds: 1, tag: preset.toLowerCase() } });
const quality = { tokens: 3, meanKld: 0.1, meanKldUncertainty: 0, maxKld: 1, p99Kld: 1, sameTop: 0.9, meanDeltaP: 0, rmsDeltaP: 0, pplBase: 2, pplQuant: 2 };
const evaluated = (preset: string): JobSnapshot => ({ phase: 'completed', result: { preset, digest: `sha256:${preset}`, size: 100, bitsPerWeight: 4.5, quality, generationTokensPerSecond: 50 } });
const snap = (over: Partial<SweepSnapshot>): SweepSnapshot => ({
  plan,
  cancelled: false,
  convert: { phase: 'completed', result: { digest: 'sha256:src', size: 1000, format: 'F16' } },
  presets: plan.presets.map((preset) => ({ preset, quantize: queued, evaluate: pending })),
  report: queued,
  ...over,
});

describe('summarizePreset', () => {
  it('follows a preset from queued through quantizing and evaluating to completed', () => {
    expect(summarizePreset('Q4_0', queued, pending)).toMatchObject({ state: 'queued', percent: 0 });
    const active: JobSnapshot = { phase: 'active', progress: { percent: 40, stage: 'quantizing', tensor: 'blk.0.attn_q.weight' } };
    expect(summarizePreset('Q4_0', active, pending)).toMatchObject({ state: 'quantizing', percent: 20, progress: { tensor: 'blk.0.attn_q.weight' } });
    expect(summarizePreset('Q4_0', active, undefined)).toMatchObject({ state: 'quantizing', percent: 40 });
    const evaluating = summarizePreset('Q4_0', quantized('Q4_0'), { phase: 'active', progress: { percent: 50, stage: 'evaluating' } });
    expect(evaluating).toMatchObject({ state: 'evaluating', percent: 75, artifact: { digest: 'sha256:Q4_0', tag: 'q4_0' } });
    expect(summarizePreset('Q4_0', quantized('Q4_0'), evaluated('Q4_0'))).toMatchObject({ state: 'completed', percent: 100, quality, generationTokensPerSecond: 50 });
  });

  it('reports the failure code of either job, and cancellation as its own state', () => {
    const failed: JobSnapshot = { phase: 'failed', failedReason: 'source_corrupt: tensor data is cut short' };
    expect(summarizePreset('Q4_0', failed, queued)).toMatchObject({ state: 'failed', error: { stage: 'quantize', preset: 'Q4_0', code: 'source_corrupt', message: 'tensor data is cut short' } });
    expect(summarizePreset('Q4_0', quantized('Q4_0'), { phase: 'failed', failedReason: 'cancelled: the job was cancelled' })).toMatchObject({
      state: 'cancelled',
      error: { stage: 'evaluate', code: 'cancelled' },
    });
  });
});

describe('summarizeSweep', () => {
  it('is queued before the convert job runs and running after', () => {
    expect(summarizeSweep(snap({ convert: queued, presets: plan.presets.map((preset) => ({ preset, quantize: pending, evaluate: pending })), report: pending }))).toMatchObject({ state: 'queued', done: false, percent: 0 });
    const running = summarizeSweep(snap({ convert: { phase: 'active', progress: { percent: 50, stage: 'converting' } } }));
    expect(running).toMatchObject({ state: 'running', done: false, percent: 5, source: { phase: 'active', progress: { stage: 'converting' } } });
  });

  it('completes with the report and per-preset results', () => {
    const report = { rows: [{ preset: 'Q8_0' }, { preset: 'Q4_0' }], failures: [] } as unknown as SweepReport;
    const status = summarizeSweep(
      snap({ presets: plan.presets.map((p) => ({ preset: p, quantize: quantized(p), evaluate: evaluated(p) })), report: { phase: 'completed', result: report } }),
    );
    expect(status).toMatchObject({ state: 'completed', done: true, percent: 100, report, errors: [], source: { digest: 'sha256:src', format: 'F16' } });
    expect(status.presets.map((p) => p.state)).toEqual(['completed', 'completed']);
  });

  it('fails when the source cannot be used, with the reason', () => {
    const status = summarizeSweep(snap({ convert: { phase: 'failed', failedReason: 'source_corrupt: not a GGUF file' }, presets: [], report: pending }));
    expect(status).toMatchObject({ state: 'failed', done: true, errors: [{ stage: 'convert', code: 'source_corrupt', message: 'not a GGUF file' }] });
  });

  it('is cancelling until no job waits or runs, then cancelled', () => {
    expect(summarizeSweep(snap({ cancelled: true })).state).toBe('cancelling');
    const cancelled: JobSnapshot = { phase: 'failed', failedReason: 'cancelled: the sweep was cancelled' };
    const status = summarizeSweep(snap({ cancelled: true, presets: plan.presets.map((preset) => ({ preset, quantize: cancelled, evaluate: cancelled })), report: cancelled }));
    expect(status).toMatchObject({ state: 'cancelled', done: true });
    expect(status.presets.map((p) => p.state)).toEqual(['cancelled', 'cancelled']);
  });
});
