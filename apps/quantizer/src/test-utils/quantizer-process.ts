// Runs the built quantizer (apps/quantizer/dist/main.js, the same entry the
// container starts) as a child process, so tests can SIGKILL or SIGTERM a
// real quantizer mid-job. Its output is kept for failure messages.

import { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnWatched, type ExitStatus } from '@tessera/testing';

export const QUANTIZER_ENTRY = join(__dirname, '..', '..', 'dist', 'main.js');

export interface QuantizerProcess {
  readonly child: ChildProcess;
  /** Resolves to the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<ExitStatus>;
  output(): string;
  /** Resolves once the output contains `text`; rejects if the process exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

export function spawnQuantizer(env: Record<string, string>): QuantizerProcess {
  if (!existsSync(QUANTIZER_ENTRY)) throw new Error(`${QUANTIZER_ENTRY} is missing; build first with node tools/build.mjs`);
  const watched = spawnWatched(process.execPath, [QUANTIZER_ENTRY], { env: { PATH: process.env.PATH ?? '', ...env }, name: 'the quantizer' });
  return {
    child: watched.child,
    exited: watched.exited,
    output: watched.output,
    waitFor: async (text, timeoutMs = 30_000) => {
      await watched.waitForOutput((out) => out.includes(text) || undefined, { timeoutMs, what: JSON.stringify(text) });
    },
  };
}
