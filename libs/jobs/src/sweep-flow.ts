// The BullMQ flow of one sweep, added once the source is in the store:
//
//   report ◀── evaluate(preset) ◀── quantize(preset)     (evaluate on)
//   report ◀── quantize(preset)                          (evaluate off)
//
// Children run first. A failed quantize lets its evaluate run and report the
// cause (continueParentOnFailure); a failed evaluate or quantize does not block
// the report (ignoreDependencyOnFailure), which lists it under failures. Job
// ids come from the plan, so adding the same flow twice changes nothing.

import type { FlowJob } from 'bullmq';
import { QUANT_JOB_DEFAULTS, QuantQueue, SweepPlan, quantJobIds } from '@tessera/contracts';

export function sweepFlow(plan: SweepPlan, source: { digest: string; size: number }, prefix: string): FlowJob {
  const node = (name: string, queueName: QuantQueue, jobId: string, data: object, extra: object, children?: FlowJob[]): FlowJob => ({
    name,
    queueName,
    prefix,
    data,
    opts: { ...QUANT_JOB_DEFAULTS, jobId, ...extra },
    children,
  });
  const quantize = (preset: string, extra: object) =>
    node('quantize', QuantQueue.Quantize, quantJobIds.quantize(plan.sweepId, preset), { plan, preset, sourceDigest: source.digest }, extra);
  const children = plan.presets.map((preset) =>
    plan.evaluate
      ? node('evaluate', QuantQueue.Evaluate, quantJobIds.evaluate(plan.sweepId, preset), { plan, preset, sourceDigest: source.digest }, { ignoreDependencyOnFailure: true }, [
          quantize(preset, { continueParentOnFailure: true }),
        ])
      : quantize(preset, { ignoreDependencyOnFailure: true }),
  );
  return node('report', QuantQueue.Report, quantJobIds.report(plan.sweepId), { plan, sourceDigest: source.digest, sourceSize: source.size }, {}, children);
}
