// convert: brings a sweep's source into the store as a float GGUF (Hugging Face
// checkpoints are converted to F16; GGUF files are checked and stored as they
// are), names it <name>:source, then adds the sweep's quantize/evaluate/report
// flow. Downloads resume across attempts; nothing half-written is left behind.

import { createReadStream } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { FlowProducer, Job } from 'bullmq';
import { ConvertJobData, ConvertJobResult, QuantQueue, quantJobIds } from '@tessera/contracts';
import { convertHfToGguf } from '@tessera/convert';
import { readGGUF } from '@tessera/gguf';
import { presetForFileType } from '@tessera/quant';
import { ModelStore } from '@tessera/store';
import { QUANTIZER_CONFIG, QuantizerConfig } from '../config/quantizer-config';
import { sweepFlow } from '../flows/sweep-flow';
import { resolveSource } from '../sources/resolve-source';
import { failureCodeOf } from './job-failure';
import { JobProcessor, progressReporter } from './job-processor';
import { SWEEP_FLOWS } from './quantizer-deps';

@Injectable()
export class ConvertProcessor implements JobProcessor<ConvertJobData, ConvertJobResult> {
  readonly queue = QuantQueue.Convert;

  constructor(
    @Inject(QUANTIZER_CONFIG) private readonly config: QuantizerConfig,
    private readonly store: ModelStore,
    @Inject(SWEEP_FLOWS) private readonly flows: FlowProducer,
  ) {}

  async process(job: Job<ConvertJobData, ConvertJobResult>, signal: AbortSignal): Promise<ConvertJobResult> {
    const owner = quantJobIds.convert(job.data.plan.sweepId);
    try {
      return await this.convert(job, signal);
    } catch (err) {
      // A retry resumes from the work directory; a failure no retry can fix
      // (bad input, cancellation) leaves nothing behind.
      if (signal.aborted || failureCodeOf(err)) await this.store.removeWorkDir(owner);
      throw err;
    }
  }

  private async convert(job: Job<ConvertJobData, ConvertJobResult>, signal: AbortSignal): Promise<ConvertJobResult> {
    const { plan } = job.data;
    const progress = progressReporter(job);
    const workDir = await this.store.workDir(quantJobIds.convert(plan.sweepId));
    await removeHalfWritten(workDir);
    progress({ percent: 0, stage: 'fetching source' });
    const local = await resolveSource(plan.source, {
      team: plan.team,
      config: this.config,
      store: this.store,
      workDir,
      signal,
      onProgress: (f) => progress({ percent: 40 * f, stage: 'downloading' }),
    });
    let digest: string;
    let size: number;
    let format: string;
    if (local.kind === 'hf') {
      const out = join(workDir, 'converted.gguf');
      await convertHfToGguf(local.path, out, {
        outtype: 'f16',
        name: plan.name,
        signal,
        onProgress: (p) => progress({ percent: 40 + 55 * (p.bytesDone / Math.max(1, p.bytesTotal)), stage: 'converting', tensor: p.tensor, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal }),
      });
      ({ digest, size } = await this.store.blobs.ingestFile(out, { signal }));
      format = 'F16';
    } else {
      // Parsing checks the header and that every tensor lies inside the file.
      const gguf = await readGGUF(local.path);
      const fileType = gguf.kv.optNumber('general.file_type');
      format = (fileType !== undefined ? presetForFileType(fileType)?.name : undefined) ?? 'F32';
      progress({ percent: 50, stage: 'storing' });
      ({ digest, size } = local.digest ? { digest: local.digest, size: gguf.fileSize } : await this.store.blobs.ingestStream(createReadStream(local.path), { signal, expectedDigest: local.expectedDigest }));
    }
    await this.store.tag({ team: plan.team, name: plan.name, tag: 'source', digest, format: 'gguf', preset: format, source: plan.source });
    await this.flows.add(sweepFlow(plan, { digest, size }, this.config.queuePrefix));
    await this.store.removeWorkDir(quantJobIds.convert(plan.sweepId));
    progress({ percent: 100, stage: 'done' });
    return { digest, size, format };
  }
}

/** Removes converter temp files of a crashed attempt (downloads are kept: they resume). */
async function removeHalfWritten(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.includes('.tmp-') || name === 'converted.gguf') await rm(join(dir, name), { force: true });
  }
}
