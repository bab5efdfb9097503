// A sweep as the API shows it (snake_case, like OpenAI's objects).

import type { PresetStatus, SweepStatus } from '@tessera/jobs';
import { snakeKeys } from '../stored-models/snake-case';
import type { SweepRecord } from './quantization.repository';

function presetView(name: string, p: PresetStatus) {
  return {
    preset: p.preset,
    state: p.state,
    progress: p.percent,
    stage: p.progress?.stage ?? null,
    tensor: p.progress?.tensor ?? null,
    bytes_done: p.progress?.bytesDone ?? null,
    bytes_total: p.progress?.bytesTotal ?? null,
    model: p.artifact ? `${name}:${p.artifact.tag}` : null,
    digest: p.artifact?.digest ?? null,
    size: p.artifact?.size ?? null,
    bits_per_weight: p.artifact?.bitsPerWeight ?? null,
    quality: p.quality ? snakeKeys(p.quality) : null,
    generation_tokens_per_second: p.generationTokensPerSecond ?? null,
    error: p.error ? { code: p.error.code, message: p.error.message } : null,
  };
}

export function quantizationView(record: SweepRecord, status: SweepStatus) {
  const { plan } = record;
  const base = `/v1/quantizations/${plan.sweepId}`;
  return {
    id: plan.sweepId,
    object: 'quantization' as const,
    created_at: Math.floor(record.createdAt / 1000),
    name: plan.name,
    source: plan.source,
    presets: plan.presets,
    evaluate: plan.evaluate,
    state: status.state,
    done: status.done,
    progress: status.percent,
    source_model: {
      state: status.source.phase,
      progress: status.source.percent,
      stage: status.source.progress?.stage ?? null,
      model: status.source.digest ? `${plan.name}:source` : null,
      digest: status.source.digest ?? null,
      size: status.source.size ?? null,
      format: status.source.format ?? null,
    },
    results: status.presets.map((p) => presetView(plan.name, p)),
    errors: status.errors.map((e) => ({ stage: e.stage, preset: e.preset ?? null, code: e.code, message: e.message })),
    report_url: status.report ? `${base}/report` : null,
    chart_url: status.report ? `${base}/report.svg` : null,
  };
}

export type QuantizationView = ReturnType<typeof quantizationView>;
