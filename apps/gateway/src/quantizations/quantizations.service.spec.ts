import type Redis from 'ioredis';
import type { ModelStore } from '@tessera/store';
import { SweepReport } from '@tessera/contracts';
import type { GatewayConfig } from '../config/gateway.config';
import type { Clock } from '../redis/clock';
import type { QuantizationQueues } from './quantization-queues.provider';
import type { QuantizationRepository, SweepRecord } from './quantization.repository';
import { QuantizationsService } from './quantizations.service';

/** The service over queues whose jobs are all gone (BullMQ retention), at a chosen time. */
function serviceAt(now: number, storedReport?: SweepReport) {
  const noJobs = { getJob: async () => undefined, getJobState: async () => 'unknown' };
  const queues = { queues: { convert: noJobs, quantize: noJobs, evaluate: noJobs, report: noJobs } } as unknown as QuantizationQueues;
  const redis = { exists: async () => 0 } as unknown as Redis;
  const store = { readReport: async () => (storedReport ? JSON.stringify(storedReport) : undefined) } as unknown as ModelStore;
  const clock = { now: () => now } as Clock;
  return new QuantizationsService({} as GatewayConfig, store, redis, queues, {} as QuantizationRepository, clock);
}

const record: SweepRecord = { plan: { sweepId: 'qz-1', team: 'acme', name: 'm', source: 'file:m', presets: ['Q8_0'], evaluate: false }, createdAt: 1_000_000 };
const report = {
  sweepId: 'qz-1',
  rows: [{ preset: 'Q8_0', digest: 'sha256:q8', tag: 'q8_0', size: 5, bitsPerWeight: 8.5 }],
  failures: [],
  sourceDigest: 'sha256:src',
  sourceSize: 9,
} as unknown as SweepReport;

describe('QuantizationsService.status when BullMQ no longer has the jobs', () => {
  it('is queued right after submission (the convert job is about to appear)', async () => {
    expect((await serviceAt(record.createdAt + 1000, report).status(record)).state).toBe('queued');
  });

  it('reads a long-finished sweep back from its stored report', async () => {
    const status = await serviceAt(record.createdAt + 3_600_000, report).status(record);
    expect(status).toMatchObject({ state: 'completed', done: true, report });
    expect(status.presets[0]).toMatchObject({ state: 'completed', artifact: { digest: 'sha256:q8' } });
  });

  it('is failed, saying to resubmit, when there is no report either', async () => {
    const status = await serviceAt(record.createdAt + 3_600_000).status(record);
    expect(status).toMatchObject({ state: 'failed', done: true });
    expect(status.errors[0].message).toMatch(/expired.*submit it again/);
  });
});
