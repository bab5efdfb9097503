// What every processor offers the worker host: the queue it serves and a
// process() that receives the job and an AbortSignal fired on cancellation.

import type { Job } from 'bullmq';
import type { QuantJobProgress, QuantQueue } from '@tessera/contracts';

export interface JobProcessor<D = unknown, R = unknown> {
  readonly queue: QuantQueue;
  process(job: Job<D, R>, signal: AbortSignal): Promise<R>;
}

/**
 * job.updateProgress, at most every `intervalMs` except for stage changes and
 * 100 %, so a model with thousands of tensors does not flood Redis.
 */
export function progressReporter(job: Pick<Job, 'updateProgress'>, intervalMs = 200): (p: QuantJobProgress) => void {
  let last = 0;
  let lastStage = '';
  return (p) => {
    const now = Date.now();
    if (now - last < intervalMs && p.stage === lastStage && p.percent < 100) return;
    last = now;
    lastStage = p.stage;
    job.updateProgress({ ...p, percent: Math.round(p.percent * 10) / 10 }).catch(() => undefined);
  };
}
