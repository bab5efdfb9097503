// A failed or cancelled sweep can be started again under the same id: its
// finished jobs are removed first, since BullMQ ignores an add whose job id
// still exists. Artifacts already in the store are reused by the processors.

import { SweepPlan, quantJobIds } from '@tessera/contracts';
import type { QuantQueues } from './quant-queues';

/** Removes every job of a sweep that has finished (no job may be running). */
export async function removeSweepJobs(queues: QuantQueues, plan: SweepPlan): Promise<void> {
  const id = plan.sweepId;
  await queues.report.remove(quantJobIds.report(id), { removeChildren: true });
  // Children are normally gone with the report; these catch a flow whose report was never added.
  for (const preset of plan.presets) {
    await queues.evaluate.remove(quantJobIds.evaluate(id, preset), { removeChildren: true });
    await queues.quantize.remove(quantJobIds.quantize(id, preset));
  }
  await queues.convert.remove(quantJobIds.convert(id));
}
