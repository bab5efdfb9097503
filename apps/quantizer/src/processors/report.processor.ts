// report: the root of a sweep's flow. Collects every preset's result (or why
// it failed), orders them by mean KL divergence (by size when not evaluated),
// and writes report.json and the size-vs-KLD chart into the store.

import { Inject, Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import type Redis from 'ioredis';
import {
  EvaluateJobResult,
  QuantQueue,
  QuantizeJobResult,
  ReportJobData,
  SweepReport,
  SweepReportRow,
  formatQuantFailure,
  quantCancelKey,
} from '@tessera/contracts';
import { sizeKldChart } from '@tessera/quant';
import { ModelStore } from '@tessera/store';
import { JobProcessor } from './job-processor';
import { presetTag } from './quantize.processor';
import { QUANT_REDIS } from './quantizer-deps';

@Injectable()
export class ReportProcessor implements JobProcessor<ReportJobData, SweepReport> {
  readonly queue = QuantQueue.Report;

  constructor(
    private readonly store: ModelStore,
    @Inject(QUANT_REDIS) private readonly redis: Redis,
  ) {}

  async process(job: Job<ReportJobData, SweepReport>): Promise<SweepReport> {
    const { plan, sourceDigest, sourceSize } = job.data;
    if (await this.redis.get(quantCancelKey(plan.sweepId))) throw new UnrecoverableError(formatQuantFailure('cancelled', 'the sweep was cancelled'));
    const results = Object.values(await job.getChildrenValues<EvaluateJobResult | QuantizeJobResult>());
    const failures = Object.entries(await job.getIgnoredChildrenFailures()).map(([key, error]) => ({ preset: presetOfKey(key), error: String(error) }));
    const rows: SweepReportRow[] = results.map((r) => ({
      preset: r.preset,
      digest: r.digest,
      tag: presetTag(r.preset),
      size: r.size,
      bitsPerWeight: r.bitsPerWeight,
      ...('quality' in r ? { quality: r.quality, generationTokensPerSecond: r.generationTokensPerSecond } : {}),
    }));
    rows.sort((a, b) => (a.quality && b.quality ? a.quality.meanKld - b.quality.meanKld : a.size - b.size));
    const report: SweepReport = {
      sweepId: plan.sweepId,
      team: plan.team,
      name: plan.name,
      source: plan.source,
      sourceDigest,
      sourceSize,
      rows,
      failures: failures.sort((a, b) => a.preset.localeCompare(b.preset)),
      createdAt: new Date().toISOString(),
    };
    const points = rows.filter((r) => r.quality).map((r) => ({ label: r.preset, sizeBytes: r.size, meanKld: r.quality!.meanKld }));
    await this.store.writeReport(plan.team, plan.sweepId, { json: report, svg: sizeKldChart(points, `${plan.name}: size against KL divergence`) });
    return report;
  }
}

/** "tessera:evaluate:evaluate.<sweep>.<preset>" -> "<preset>". */
function presetOfKey(key: string): string {
  return key.slice(key.lastIndexOf('.') + 1);
}
