import { isSweepId, sweepIdOf } from './sweep-id';

describe('sweepIdOf', () => {
  const base = { team: 'acme', sourceFingerprint: 'sha256:' + 'a'.repeat(64), presets: ['Q4_0', 'Q8_0'], evaluate: true, name: 'micro' };

  it('is stable and ignores preset order and repeats', () => {
    const id = sweepIdOf(base);
    expect(isSweepId(id)).toBe(true);
    expect(sweepIdOf({ ...base, presets: ['Q8_0', 'Q4_0', 'Q8_0'] })).toBe(id);
  });

  it.each([
    ['team', { team: 'other' }],
    ['source', { sourceFingerprint: 'sha256:' + 'b'.repeat(64) }],
    ['presets', { presets: ['Q4_0'] }],
    ['evaluate', { evaluate: false }],
    ['name', { name: 'micro2' }],
  ])('changes with the %s', (_what, change) => {
    expect(sweepIdOf({ ...base, ...change })).not.toBe(sweepIdOf(base));
  });

  it('rejects ids it cannot produce', () => {
    expect(isSweepId('qz-../../etc')).toBe(false);
    expect(isSweepId('qz-' + 'A'.repeat(24))).toBe(false);
    expect(isSweepId('qz-' + 'a'.repeat(25))).toBe(false);
  });
});
