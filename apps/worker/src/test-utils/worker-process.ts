import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
}

/** Runs the compiled worker (`node apps/worker/dist/main.js`) with the given environment. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: build first (node tools/build.mjs)`);
  const proc = spawn(process.execPath, [WORKER_MAIN], {
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TESSERA_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    proc,
    output: () => output,
    exited,
    kill: (signal) => {
      if (proc.exitCode === null && proc.signalCode === null && proc.pid) process.kill(proc.pid, signal);
    },
  };
}

/** Waits for the worker's ready line; fails with its output if it exits or takes too long. */
export async function waitReady(worker: WorkerProcess, timeoutMs = 30_000): Promise<ReadyLine> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void worker.exited.then((code) => (exitedWith = code));
  for (;;) {
    const line = worker.output().split('\n').find((l) => l.startsWith(READY_MARKER));
    if (line) return JSON.parse(line.slice(READY_MARKER.length)) as ReadyLine;
    if (exitedWith !== undefined || Date.now() > deadline) {
      throw new Error(`worker ${exitedWith !== undefined ? `exited (${exitedWith})` : 'not ready in time'}:\n${worker.output()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
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
