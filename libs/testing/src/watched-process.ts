// A child process under test whose output is kept: tests wait for a line it
// prints (a ready marker), kill it by PID with a chosen signal, and show its
// output when something goes wrong.

import { spawn, type ChildProcess } from 'node:child_process';
import { TestingError } from './testing-error';

export interface ExitStatus {
  /** The exit code; null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface OutputWaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
}

export interface WatchedProcess {
  readonly child: ChildProcess;
  /** Settles once the process has exited. Never rejects. */
  readonly exited: Promise<ExitStatus>;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /**
   * Resolves with the first value `find(output)` returns that is not
   * `undefined`, checked now and on every new chunk. Rejects (TestingError)
   * when the process could not start, exits first, or after the timeout;
   * the message carries the tail of the output.
   */
  waitForOutput<T>(find: (output: string) => T | undefined, options?: OutputWaitOptions): Promise<T>;
  /** True until the process has exited. */
  readonly running: boolean;
  /** Sends `signal` to exactly this PID if the process still runs. */
  kill(signal: NodeJS.Signals): void;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<ExitStatus>;
}

export interface SpawnWatchedOptions {
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How failure messages name the process (default: the command). */
  name?: string;
}

const OUTPUT_TAIL = 2000;

export function spawnWatched(command: string, args: readonly string[], options: SpawnWatchedOptions = {}): WatchedProcess {
  const name = options.name ?? command;
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exitStatus: ExitStatus | undefined;
  let spawnError: Error | undefined;
  // Waiters re-check on every event that can settle them: a chunk, the pipes closing, a spawn failure.
  const onChange = new Set<() => void>();
  const changed = () => onChange.forEach((check) => check());

  const append = (text: string) => {
    output += text;
    changed();
  };
  // Decoded as UTF-8 per stream, so a character split across chunks stays whole.
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  let outputClosed = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      resolve(exitStatus);
    });
    // Output can still arrive after 'exit'; waiters give up only once the pipes are closed too.
    child.once('close', () => {
      outputClosed = true;
      changed();
    });
    // A command that cannot start emits 'error' and may never emit 'exit'.
    child.once('error', (err) => {
      spawnError = err;
      if (child.pid === undefined) resolve({ code: null, signal: null });
      changed();
    });
  });

  const tail = () => output.slice(-OUTPUT_TAIL);
  const running = () => exitStatus === undefined && spawnError === undefined && child.exitCode === null && child.signalCode === null;

  const kill = (signal: NodeJS.Signals) => {
    if (running() && child.pid !== undefined) process.kill(child.pid, signal);
  };

  const waitForOutput = <T>(find: (output: string) => T | undefined, waitOptions: OutputWaitOptions = {}): Promise<T> => {
    const { timeoutMs = 30_000, what = 'the expected output' } = waitOptions;
    return new Promise<T>((resolve, reject) => {
      const settle = (result: { value: T } | { error: Error }) => {
        clearTimeout(timer);
        onChange.delete(check);
        if ('value' in result) resolve(result.value);
        else reject(result.error);
      };
      const check = () => {
        let value: T | undefined;
        try {
          value = find(output);
        } catch (err) {
          return settle({ error: err as Error });
        }
        if (value !== undefined) return settle({ value });
        if (spawnError) return settle({ error: new TestingError('TESTING_SPAWN_FAILED', `cannot run ${name} (${spawnError.message}): is it installed and on PATH?`) });
        if (exitStatus && outputClosed) {
          const how = `code ${exitStatus.code}, signal ${exitStatus.signal}`;
          return settle({ error: new TestingError('TESTING_PROCESS_EXITED', `${name} exited (${how}) before printing ${what}:\n${tail()}`) });
        }
      };
      const timer = setTimeout(() => settle({ error: new TestingError('TESTING_OUTPUT_TIMEOUT', `${name} did not print ${what} within ${timeoutMs} ms:\n${tail()}`) }), timeoutMs);
      onChange.add(check);
      check();
    });
  };

  return {
    child,
    exited,
    output: () => output,
    waitForOutput,
    get running() {
      return running();
    },
    kill,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      kill(signal);
      return exited;
    },
  };
}

/**
 * A finder for waitForOutput: the rest of the first complete line that starts
 * with `prefix`. A line still being written (no newline yet) is not returned,
 * so a JSON payload after the prefix is always whole.
 */
export function lineStartingWith(prefix: string): (output: string) => string | undefined {
  return (output) => {
    const line = output.split('\n').slice(0, -1).find((l) => l.startsWith(prefix));
    return line === undefined ? undefined : line.slice(prefix.length);
  };
}
