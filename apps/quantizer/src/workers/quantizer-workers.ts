// One BullMQ Worker per processor. Every job first checks whether its sweep
// was cancelled, runs with an AbortSignal that fires when the gateway cancels
// the sweep (a message on QUANT_CANCEL_CHANNEL reaches whichever process runs
// it), and has its errors mapped: bad input fails at once, the rest retries.
// Workers close cleanly on shutdown: running jobs get QUANT_SHUTDOWN_GRACE_MS
// to finish, then are stopped and put back in the queue (no attempt used) for
// another quantizer; a killed process's jobs are picked up again by the
// stalled-job check of the others.

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import Redis from 'ioredis';
import { QUANT_CANCEL_CHANNEL, SweepPlan, formatQuantFailure, quantCancelKey } from '@tessera/contracts';
import { ModelStore } from '@tessera/store';
import { QUANTIZER_CONFIG, QuantizerConfig } from '../config/quantizer-config';
import { redisOptions } from '../config/redis-options';
import { ConvertProcessor } from '../processors/convert.processor';
import { EvaluateProcessor } from '../processors/evaluate.processor';
import { JobProcessor } from '../processors/job-processor';
import { toJobError } from '../processors/job-failure';
import { QuantizeProcessor } from '../processors/quantize.processor';
import { QUANT_REDIS } from '../processors/quantizer-deps';
import { ReportProcessor } from '../processors/report.processor';

const DAY_MS = 24 * 3600 * 1000;

@Injectable()
export class QuantizerWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('quantizer');
  private readonly workers: Worker[] = [];
  /** Active job id -> sweep id, to cancel by sweep. */
  private readonly active = new Map<string, { sweepId: string; worker: Worker }>();
  /** Jobs stopped because the shutdown grace period ran out: they go back to the queue. */
  private readonly returning = new Set<string>();
  private subscriber?: Redis;

  constructor(
    @Inject(QUANTIZER_CONFIG) private readonly config: QuantizerConfig,
    @Inject(QUANT_REDIS) private readonly redis: Redis,
    private readonly store: ModelStore,
    convert: ConvertProcessor,
    quantize: QuantizeProcessor,
    evaluate: EvaluateProcessor,
    report: ReportProcessor,
  ) {
    this.processors = [convert, quantize, evaluate, report];
  }

  private readonly processors: JobProcessor[];

  async onApplicationBootstrap(): Promise<void> {
    const removed = await this.store.blobs.removeStaleTemps(DAY_MS);
    if (removed > 0) this.logger.log(`removed ${removed} stale temp files from the store`);
    this.subscriber = new Redis(redisOptions(this.config.redisUrl));
    await this.subscriber.subscribe(QUANT_CANCEL_CHANNEL);
    this.subscriber.on('message', (_channel: string, sweepId: string) => this.cancelSweep(sweepId));
    for (const p of this.processors) {
      const worker: Worker = new Worker(p.queue, (job: Job, token?: string, signal?: AbortSignal) => this.run(p, worker, job, token, signal), {
        connection: redisOptions(this.config.redisUrl),
        prefix: this.config.queuePrefix,
        concurrency: this.config.concurrency,
        lockDuration: this.config.lockDurationMs,
        stalledInterval: this.config.stalledIntervalMs,
        maxStalledCount: 2,
      });
      worker.on('failed', (job, err) => this.logger.warn(`${p.queue} job ${job?.id} failed: ${err.message}`));
      worker.on('error', (err) => this.logger.error(`${p.queue} worker: ${err.message}`));
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    this.logger.log(`processing ${this.processors.map((p) => p.queue).join(', ')} (concurrency ${this.config.concurrency}, ${this.config.threads} threads)`);
  }

  async onApplicationShutdown(): Promise<void> {
    const grace = this.config.shutdownGraceMs;
    if (this.active.size > 0) this.logger.log(`waiting up to ${grace} ms for ${this.active.size} running job(s) to finish`);
    const timer = setTimeout(() => this.returnActiveJobs(), grace);
    try {
      await Promise.all(this.workers.map((w) => w.close()));
    } finally {
      clearTimeout(timer);
    }
    this.logger.log('workers closed');
    await this.subscriber?.quit().catch(() => undefined);
  }

  /** Number of jobs running in this process. */
  get activeJobs(): number {
    return this.active.size;
  }

  private async run(p: JobProcessor, worker: Worker, job: Job, token: string | undefined, bullSignal: AbortSignal | undefined): Promise<unknown> {
    const plan = (job.data as { plan: SweepPlan }).plan;
    if (await this.redis.get(quantCancelKey(plan.sweepId))) throw new UnrecoverableError(formatQuantFailure('cancelled', 'the sweep was cancelled'));
    const signal = bullSignal ?? new AbortController().signal;
    this.active.set(job.id!, { sweepId: plan.sweepId, worker });
    try {
      return await p.process(job, signal);
    } catch (err) {
      if (this.returning.has(job.id!)) {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      throw toJobError(err, signal);
    } finally {
      this.active.delete(job.id!);
      this.returning.delete(job.id!);
    }
  }

  /** Stops the jobs still running when the grace period ends; run() puts them back in the queue. */
  private returnActiveJobs(): void {
    if (this.active.size === 0) return;
    this.logger.warn(`grace period over: returning ${this.active.size} running job(s) to the queue`);
    for (const [jobId, a] of this.active) {
      this.returning.add(jobId);
      a.worker.cancelJob(jobId, 'shutdown');
    }
  }

  private cancelSweep(sweepId: string): void {
    for (const [jobId, a] of this.active) {
      if (a.sweepId === sweepId) a.worker.cancelJob(jobId, 'cancelled');
    }
  }
}
