import type { FlowJob } from 'bullmq';
import { QUANT_JOB_DEFAULTS, SweepPlan } from '@tessera/contracts';
import { sweepFlow } from './sweep-flow';

const plan = (evaluate: boolean): SweepPlan => ({ sweepId: 'qz-1', team: 'acme', name: 'm', source: 'file:m', presets: ['Q4_0', 'Q8_0'], evaluate });

describe('sweepFlow', () => {
  it('puts evaluate(preset) over quantize(preset) under one report, ids from the plan', () => {
    const flow = sweepFlow(plan(true), { digest: 'sha256:x', size: 10 }, 'pfx');
    expect(flow).toMatchObject({ name: 'report', queueName: 'report', prefix: 'pfx', opts: { ...QUANT_JOB_DEFAULTS, jobId: 'report.qz-1' }, data: { sourceDigest: 'sha256:x', sourceSize: 10 } });
    const children = flow.children as FlowJob[];
    expect(children.map((c) => c.opts?.jobId)).toEqual(['evaluate.qz-1.Q4_0', 'evaluate.qz-1.Q8_0']);
    expect(children[0].opts).toMatchObject({ ignoreDependencyOnFailure: true });
    const quantize = children[1].children![0];
    expect(quantize).toMatchObject({ queueName: 'quantize', data: { preset: 'Q8_0', sourceDigest: 'sha256:x' }, opts: { jobId: 'quantize.qz-1.Q8_0', continueParentOnFailure: true } });
  });

  it('hangs quantize jobs directly under the report when not evaluating', () => {
    const children = sweepFlow(plan(false), { digest: 'sha256:x', size: 10 }, 'pfx').children as FlowJob[];
    expect(children.map((c) => [c.queueName, c.opts?.jobId, c.opts?.ignoreDependencyOnFailure])).toEqual([
      ['quantize', 'quantize.qz-1.Q4_0', true],
      ['quantize', 'quantize.qz-1.Q8_0', true],
    ]);
  });
});
