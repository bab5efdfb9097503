// Runs the built quantizer (apps/quantizer/dist/main.js, the same entry the
// container starts) as a child process, so tests can SIGKILL or SIGTERM a
// real quantizer mid-job. Its output is kept for failure messages.

import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const QUANTIZER_ENTRY = join(__dirname, '..', '..', 'dist', 'main.js');

export interface QuantizerProcess {
  readonly child: ChildProcess;
  /** Resolves to the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** Resolves once the output contains `text`; rejects if the process exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

export function spawnQuantizer(env: Record<string, string>): QuantizerProcess {
  if (!existsSync(QUANTIZER_ENTRY)) throw new Error(`${QUANTIZER_ENTRY} is missing; build first with node tools/build.mjs`);
  const child = spawn(process.execPath, [QUANTIZER_ENTRY], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (d: Buffer) => {
    out += d.toString();
    listeners.forEach((l) => l());
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    output: () => out,
    waitFor: (text, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve();
        };
        const check = () => out.includes(text) && done();
        const timer = setTimeout(() => done(new Error(`the quantizer did not print ${JSON.stringify(text)} within ${timeoutMs} ms:\n${out.slice(-2000)}`)), timeoutMs);
        listeners.add(check);
        exited.then(({ code, signal }) => done(new Error(`the quantizer exited (code ${code}, signal ${signal}) before printing ${JSON.stringify(text)}:\n${out.slice(-2000)}`)));
        check();
      }),
  };
}
