import { SweepPlan, SweepReport } from '@tessera/contracts';
import { snapshotFromReport } from './snapshot-from-report';
import { summarizeSweep } from './sweep-status';

const plan: SweepPlan = { sweepId: 'qz-1', team: 'acme', name: 'm', source: 'file:m', presets: ['Q4_0', 'Q8_0', 'Q2_K'], evaluate: true };
const quality = { tokens: 3, meanKld: 0.01, meanKldUncertainty: 0, maxKld: 1, p99Kld: 1, sameTop: 0.9, meanDeltaP: 0, rmsDeltaP: 0, pplBase: 2, pplQuant: 2 };
const report: SweepReport = {
  sweepId: 'qz-1',
  team: 'acme',
  name: 'm',
  source: 'file:m',
  sourceDigest: 'sha256:src',
  sourceSize: 1000,
  rows: [
    { preset: 'Q8_0', digest: 'sha256:q8', tag: 'q8_0', size: 500, bitsPerWeight: 8.5, quality, generationTokensPerSecond: 40 },
    { preset: 'Q4_0', digest: 'sha256:q4', tag: 'q4_0', size: 300, bitsPerWeight: 4.5, quality: { ...quality, meanKld: 0.1 }, generationTokensPerSecond: 60 },
  ],
  failures: [{ preset: 'Q2_K', error: 'invalid_preset: Q2_K needs an importance matrix' }],
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('snapshotFromReport', () => {
  it('reads an expired sweep back as completed, with results and failures from the report', () => {
    const status = summarizeSweep(snapshotFromReport(plan, report));
    expect(status).toMatchObject({ state: 'completed', done: true, percent: 100, report, source: { digest: 'sha256:src', size: 1000 } });
    expect(status.presets.map((p) => [p.preset, p.state, p.artifact?.digest, p.quality?.meanKld])).toEqual([
      ['Q4_0', 'completed', 'sha256:q4', 0.1],
      ['Q8_0', 'completed', 'sha256:q8', 0.01],
      ['Q2_K', 'failed', undefined, undefined],
    ]);
    expect(status.errors).toEqual([{ stage: 'quantize', preset: 'Q2_K', code: 'invalid_preset', message: 'Q2_K needs an importance matrix' }]);
  });
});
