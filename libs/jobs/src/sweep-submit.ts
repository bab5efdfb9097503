// Starting a sweep = adding its convert job. The convert processor adds the
// rest of the flow (quantize/evaluate/report) once the source is stored, since
// those jobs need the source's digest.

import type { Job, Queue } from 'bullmq';
import { ConvertJobData, QUANT_JOB_DEFAULTS, SweepPlan, quantJobIds } from '@tessera/contracts';

/** Adds the sweep's convert job; adding a sweep whose job exists returns that job unchanged. */
export function submitSweep(convertQueue: Queue, plan: SweepPlan): Promise<Job<ConvertJobData>> {
  return convertQueue.add('convert', { plan } satisfies ConvertJobData, { ...QUANT_JOB_DEFAULTS, jobId: quantJobIds.convert(plan.sweepId) });
}
