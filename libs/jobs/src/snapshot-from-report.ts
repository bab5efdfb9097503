// BullMQ forgets finished jobs after their retention time; the sweep's report
// in the store does not. This rebuilds a snapshot from the report so an old
// sweep still reads as completed, with its results.

import { EvaluateJobResult, QuantizeJobResult, SweepPlan, SweepReport } from '@tessera/contracts';
import type { JobSnapshot, SweepSnapshot } from './sweep-status';

export function snapshotFromReport(plan: SweepPlan, report: SweepReport): SweepSnapshot {
  const rows = new Map(report.rows.map((r) => [r.preset, r]));
  const failures = new Map(report.failures.map((f) => [f.preset, f.error]));
  const lost: JobSnapshot = { phase: 'failed', failedReason: 'internal: the job is no longer recorded and the report does not list this preset' };
  const presets = plan.presets.map((preset) => {
    const row = rows.get(preset);
    if (!row) {
      const failed: JobSnapshot = failures.has(preset) ? { phase: 'failed', failedReason: failures.get(preset) } : lost;
      return { preset, quantize: failed, ...(plan.evaluate ? { evaluate: failed } : {}) };
    }
    const quantized: QuantizeJobResult = { preset, digest: row.digest, size: row.size, bitsPerWeight: row.bitsPerWeight, seconds: 0, tag: row.tag };
    const evaluated: EvaluateJobResult | undefined = row.quality && {
      preset,
      digest: row.digest,
      size: row.size,
      bitsPerWeight: row.bitsPerWeight,
      quality: row.quality,
      generationTokensPerSecond: row.generationTokensPerSecond ?? 0,
    };
    return { preset, quantize: { phase: 'completed' as const, result: quantized }, ...(plan.evaluate ? { evaluate: { phase: 'completed' as const, result: evaluated } } : {}) };
  });
  return {
    plan,
    cancelled: false,
    convert: { phase: 'completed', result: { digest: report.sourceDigest, size: report.sourceSize } },
    presets,
    report: { phase: 'completed', result: report },
  };
}
