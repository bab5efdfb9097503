// quantize: one preset of one sweep. Writes into the job's own work directory
// (emptied first, so a crashed attempt leaves nothing behind), moves the
// result into the store by its sha256, and names it <name>:<preset>. The same
// preset of the same source already stored is returned as it is.

import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { QuantQueue, QuantizeJobData, QuantizeJobResult } from '@tessera/contracts';
import { readGGUF } from '@tessera/gguf';
import { getPreset, modelSize, quantizeFile } from '@tessera/quant';
import { ModelStore } from '@tessera/store';
import { QUANTIZER_CONFIG, QuantizerConfig } from '../config/quantizer-config';
import { JobProcessor, progressReporter } from './job-processor';

export const presetTag = (preset: string): string => preset.toLowerCase();

@Injectable()
export class QuantizeProcessor implements JobProcessor<QuantizeJobData, QuantizeJobResult> {
  readonly queue = QuantQueue.Quantize;

  constructor(
    @Inject(QUANTIZER_CONFIG) private readonly config: QuantizerConfig,
    private readonly store: ModelStore,
  ) {}

  async process(job: Job<QuantizeJobData, QuantizeJobResult>, signal: AbortSignal): Promise<QuantizeJobResult> {
    const { plan, sourceDigest } = job.data;
    const preset = getPreset(job.data.preset).name;
    const tag = presetTag(preset);
    const existing = await this.store.manifests.find(plan.team, plan.name, tag);
    if (existing?.parent === sourceDigest && (await this.store.blobs.has(existing.digest))) {
      return { preset, digest: existing.digest, size: existing.size, bitsPerWeight: existing.metrics?.bitsPerWeight ?? 0, seconds: 0, tag };
    }
    const progress = progressReporter(job);
    const dir = await this.store.freshWorkDir(job.id!);
    const out = join(dir, 'model.gguf');
    let result: { seconds: number };
    let bitsPerWeight: number;
    let stored: { digest: string; size: number };
    try {
      result = await quantizeFile(this.store.blobs.pathOf(sourceDigest), out, preset, {
        threads: this.config.threads,
        signal,
        onProgress: (p) =>
          progress({ percent: (95 * p.bytesDone) / Math.max(1, p.bytesTotal), stage: 'quantizing', tensor: p.tensorName, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal }),
      });
      ({ bitsPerWeight } = modelSize(await readGGUF(out)));
      stored = await this.store.blobs.ingestFile(out, { signal });
    } finally {
      // Every attempt starts from an empty directory, so nothing in it is worth keeping.
      await this.store.removeWorkDir(job.id!);
    }
    const { digest, size } = stored;
    await this.store.tag({ team: plan.team, name: plan.name, tag, digest, format: 'gguf', preset, parent: sourceDigest, source: plan.source, metrics: { bitsPerWeight } });
    progress({ percent: 100, stage: 'done' });
    return { preset, digest, size, bitsPerWeight, seconds: result.seconds, tag };
  }
}
