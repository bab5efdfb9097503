// CPU time a process has used so far, from Linux's /proc: on a shared, noisy
// machine the gateway's CPU per request is a steadier measure of its cost than
// latency percentiles, which also count time spent waiting for a core.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Milliseconds of CPU used by process `pid` so far by thread name (the main
 * thread is the process's own name; V8's compiler and GC helpers are "V8 Worker",
 * libuv's pool "libuv-worker"), or undefined where /proc cannot tell.
 */
export function processCpuByThread(pid) {
  try {
    const byName = {};
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        // Each thread's schedstat starts with its nanoseconds on a CPU (finer than /proc/PID/stat's clock ticks).
        const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        const name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        byName[name] = (byName[name] ?? 0) + ns / 1e6;
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return byName;
  } catch {
    return undefined;
  }
}

/** Milliseconds of CPU used by process `pid` (all its threads: JS, GC, libuv), or undefined where /proc cannot tell. */
export function processCpuMs(pid) {
  const byThread = processCpuByThread(pid);
  return byThread === undefined ? undefined : Object.values(byThread).reduce((a, b) => a + b, 0);
}
