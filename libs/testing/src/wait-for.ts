import { TestingError } from './testing-error';

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between probes (default 20 ms). */
  intervalMs?: number;
  /** What is awaited, for the failure message ("worker w-1 to deregister"). */
  what?: string;
  /** Extra context appended to the failure message (a child's output, a job's state). */
  details?: () => string | Promise<string>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns something other than `undefined` and resolves
 * with that value. The probe runs at least once, even with a zero timeout, so a
 * condition already true never fails. Errors thrown by the probe propagate.
 */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, options: WaitOptions | number = {}): Promise<T> {
  // A bare number is the timeout, the form the specs' own loops took.
  if (typeof options === 'number') options = { timeoutMs: options };
  const { timeoutMs = 10_000, intervalMs = 20, what = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      const details = options.details ? `\n${await options.details()}` : '';
      throw new TestingError('TESTING_WAIT_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}${details}`);
    }
    await sleep(intervalMs);
  }
}
