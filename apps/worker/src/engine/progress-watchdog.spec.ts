import { ProgressWatchdog } from './progress-watchdog';

describe('ProgressWatchdog', () => {
  it('stays alive while idle, however old the last step is', () => {
    const w = new ProgressWatchdog(1000);
    expect(w.check(false, 0, 1_000_000).ok).toBe(true);
  });

  it('counts a stall from when work appeared, not from the last (idle) step', () => {
    const w = new ProgressWatchdog(1000);
    expect(w.check(true, 0, 50_000).ok).toBe(true);
    expect(w.check(true, 0, 50_900).ok).toBe(true);
    const stalled = w.check(true, 0, 51_200);
    expect(stalled.ok).toBe(false);
    expect(stalled.reason).toMatch(/no step for 1200 ms/);
  });

  it('is alive again once a step lands, and forgets the stall once idle', () => {
    const w = new ProgressWatchdog(1000);
    w.check(true, 0, 10_000);
    expect(w.check(true, 0, 12_000).ok).toBe(false);
    expect(w.check(true, 11_900, 12_100).ok).toBe(true);
    expect(w.check(false, 11_900, 20_000).ok).toBe(true);
    expect(w.check(true, 11_900, 30_000).ok).toBe(true);
  });
});
