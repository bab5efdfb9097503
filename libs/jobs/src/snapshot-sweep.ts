// Reads the state of every BullMQ job of a sweep (their ids follow from the
// plan), for summarizeSweep.

import type { Job, Queue } from 'bullmq';
import { QuantJobProgress, SweepPlan, quantJobIds } from '@tessera/contracts';
import type { QuantQueues } from './quant-queues';
import type { JobPhase, JobSnapshot, SweepSnapshot } from './sweep-status';

const PHASE: Readonly<Record<string, JobPhase>> = {
  waiting: 'queued',
  prioritized: 'queued',
  delayed: 'queued',
  'waiting-children': 'queued',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
};

function isProgress(value: unknown): value is QuantJobProgress {
  return typeof value === 'object' && value !== null && typeof (value as QuantJobProgress).percent === 'number';
}

export async function snapshotJob(queue: Queue, jobId: string): Promise<JobSnapshot> {
  // State first, then the job's fields: a job moves forward only (active ->
  // completed/failed), so fields read after a finished state belong to that
  // state. Read the other way round, a job fetched while active and found
  // failed a moment later has no failedReason yet.
  const phase = PHASE[await queue.getJobState(jobId)] ?? 'pending';
  if (phase === 'pending') return { phase };
  const job: Job | undefined = await queue.getJob(jobId);
  if (!job) return { phase: 'pending' };
  return {
    phase,
    ...(isProgress(job.progress) ? { progress: job.progress } : {}),
    ...(phase === 'completed' ? { result: job.returnvalue } : {}),
    ...(phase === 'failed' ? { failedReason: job.failedReason } : {}),
  };
}

export async function snapshotSweep(queues: QuantQueues, plan: SweepPlan, cancelled: boolean): Promise<SweepSnapshot> {
  const id = plan.sweepId;
  const [convert, report, presets] = await Promise.all([
    snapshotJob(queues.convert, quantJobIds.convert(id)),
    snapshotJob(queues.report, quantJobIds.report(id)),
    Promise.all(
      plan.presets.map(async (preset) => ({
        preset,
        quantize: await snapshotJob(queues.quantize, quantJobIds.quantize(id, preset)),
        ...(plan.evaluate ? { evaluate: await snapshotJob(queues.evaluate, quantJobIds.evaluate(id, preset)) } : {}),
      })),
    ),
  ]);
  return { plan, cancelled, convert, presets, report };
}
