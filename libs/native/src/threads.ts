import { availableParallelism } from 'node:os';

/** Threads a conversion uses when the caller does not say: every core the process may use. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}
