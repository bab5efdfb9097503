// evaluate: quality of one quantized preset against the sweep's source (KL
// divergence, same top token, delta-p, perplexities) and its generation speed.
// Its child quantize job's result names the artifact; if that child failed,
// this job fails with the child's reason so the report can show it.

import { Inject, Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { EvaluateJobData, EvaluateJobResult, QuantQueue, QuantizeJobResult } from '@tessera/contracts';
import { ModelStore } from '@tessera/store';
import { QUANTIZER_CONFIG, QuantizerConfig } from '../config/quantizer-config';
import { evaluateQuality } from '../evaluation/evaluate-quality';
import { generationTokensPerSecond } from '../evaluation/generation-speed';
import { JobProcessor, progressReporter } from './job-processor';

@Injectable()
export class EvaluateProcessor implements JobProcessor<EvaluateJobData, EvaluateJobResult> {
  readonly queue = QuantQueue.Evaluate;

  constructor(
    @Inject(QUANTIZER_CONFIG) private readonly config: QuantizerConfig,
    private readonly store: ModelStore,
  ) {}

  async process(job: Job<EvaluateJobData, EvaluateJobResult>, signal: AbortSignal): Promise<EvaluateJobResult> {
    const failed = Object.values(await job.getFailedChildrenValues());
    if (failed.length > 0) throw new UnrecoverableError(String(failed[0]));
    const quantized = Object.values(await job.getChildrenValues<QuantizeJobResult>())[0];
    if (!quantized) throw new Error(`evaluate job ${job.id} has no finished quantize child; the flow is incomplete`);
    const { plan, sourceDigest } = job.data;
    const progress = progressReporter(job);
    progress({ percent: 0, stage: 'evaluating' });
    const quality = await evaluateQuality(this.store.blobs.pathOf(sourceDigest), this.store.blobs.pathOf(quantized.digest), {
      nCtx: this.config.evalContext,
      maxChunks: this.config.evalChunks,
      threads: this.config.threads,
      signal,
      onProgress: (done, total) => progress({ percent: (90 * done) / total, stage: 'evaluating' }),
    });
    progress({ percent: 90, stage: 'measuring speed' });
    const tps = await generationTokensPerSecond(this.store.blobs.pathOf(quantized.digest), { threads: this.config.threads, tokens: this.config.evalGenTokens, signal });
    await this.store.addMetrics(plan.team, plan.name, quantized.tag, {
      meanKld: quality.meanKld,
      sameTop: quality.sameTop,
      meanDeltaP: quality.meanDeltaP,
      pplBase: quality.pplBase,
      pplQuant: quality.pplQuant,
      generationTokensPerSecond: tps,
    });
    progress({ percent: 100, stage: 'done' });
    const { tokens, meanKld, meanKldUncertainty, maxKld, p99Kld, sameTop, meanDeltaP, rmsDeltaP, pplBase, pplQuant } = quality;
    return {
      preset: quantized.preset,
      digest: quantized.digest,
      size: quantized.size,
      bitsPerWeight: quantized.bitsPerWeight,
      quality: { tokens, meanKld, meanKldUncertainty, maxKld, p99Kld, sameTop, meanDeltaP, rmsDeltaP, pplBase, pplQuant },
      generationTokensPerSecond: tps,
    };
  }
}
