// CPU time a process has used so far, from Linux's /proc: on a shared, noisy
// machine the gateway's CPU per request is a steadier measure of its cost than
// latency percentiles, which also count time spent waiting for a core.
import { readdirSync, readFileSync } from 'node:fs';

/** Milliseconds of CPU used by process `pid` (all its threads: JS, GC, libuv), or undefined where /proc cannot tell. */
export function processCpuMs(pid) {
  try {
    // Each thread's schedstat starts with its nanoseconds on a CPU (finer than /proc/PID/stat's clock ticks).
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return ns / 1e6;
  } catch {
    return undefined;
  }
}
