// The machinery under tensor parallelism, without a model: rank threads meet
// at barriers and gather each other's activations through shared memory.
// Every gathered value must be the one its rank wrote for that round, under
// many rounds of varied interleavings, and a rank that fails mid-step must
// release the others instead of leaving them waiting forever.

import { loadNativeAddon } from './native-addon';

describe('CPU rank exchange', () => {
  const addon = loadNativeAddon();

  it.each([2, 3, 4])('gathers every value of %i ranks correctly over 2000 rounds', (ranks) => {
    expect(addon.checkRankExchange(ranks, 2000, -1, -1)).toEqual({ mismatches: 0, aborted: 0, failed: 0 });
  });

  it('releases the other ranks when one fails, and works again after', () => {
    // Rank 1 throws at round 5; ranks 0 and 2 are then waiting at (or about to reach) a barrier.
    expect(addon.checkRankExchange(3, 50, 1, 5)).toEqual({ mismatches: 0, aborted: 2, failed: 1 });
    expect(addon.checkRankExchange(2, 50, 0, 0)).toEqual({ mismatches: 0, aborted: 1, failed: 1 });
  });

  it('runs one rank without threads or waiting', () => {
    expect(addon.checkRankExchange(1, 100, -1, -1)).toEqual({ mismatches: 0, aborted: 0, failed: 0 });
  });
});
