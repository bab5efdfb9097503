import { type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lineStartingWith, spawnWatched, type WatchedProcess } from '@tessera/testing';
import { READY_MARKER } from '../lifecycle/ready-marker';

export const WORKER_MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

export interface ReadyLine {
  id: string;
  address: string;
  model: string;
  metricsPort: number;
  pid: number;
}

export interface WorkerProcess {
  proc: ChildProcess;
  /** Everything the worker printed so far (for failure messages). */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
  /** The process as the shared helper sees it (waits on its output). */
  watched: WatchedProcess;
}

/** Runs the compiled worker (`node apps/worker/dist/main.js`) with the given environment. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: build first (node tools/build.mjs)`);
  const watched = spawnWatched(process.execPath, [WORKER_MAIN], {
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TESSERA_THREADS: '1', ...env },
    name: 'the worker',
  });
  return {
    proc: watched.child,
    output: watched.output,
    exited: watched.exited.then(({ code, signal }) => code ?? signal ?? -1),
    kill: watched.kill,
    watched,
  };
}

/** Waits for the worker's ready line; fails with its output if it exits or takes too long. */
export async function waitReady(worker: WorkerProcess, timeoutMs = 30_000): Promise<ReadyLine> {
  const payload = await worker.watched.waitForOutput(lineStartingWith(READY_MARKER), { timeoutMs, what: 'its ready line' });
  return JSON.parse(payload) as ReadyLine;
}

/** Starts a worker and waits until it is ready. */
export async function startWorker(env: Record<string, string>): Promise<{ worker: WorkerProcess; ready: ReadyLine }> {
  const worker = spawnWorker(env);
  try {
    return { worker, ready: await waitReady(worker) };
  } catch (err) {
    worker.kill('SIGKILL');
    throw err;
  }
}
