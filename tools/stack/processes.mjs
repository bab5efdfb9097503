// The stack's child processes: spawned in their own process groups (so a
// terminal's Ctrl-C reaches only us and we choose the stopping order), their
// output prefixed with their names, stopped by PID, and watched: a child that
// exits while the stack is running is reported once to `onUnexpectedExit`.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const TAIL_LINES = 40;

/** Nest's boot chatter (one line per module and route): hidden unless TESSERA_STACK_VERBOSE=1. */
const CHATTER = /\[(InstanceLoader|RoutesResolver|RouterExplorer|NestFactory)\]/;

export class Child {
  constructor(name, proc) {
    this.name = name;
    this.proc = proc;
    this.pid = proc.pid;
    this.tail = [];
    this.lineWaiters = new Set();
    // 'error' without 'exit' happens when the program cannot be run at all. After
    // 'exit', its last output may still be in the pipes: wait (briefly) for 'close'.
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        const done = () => resolve({ code, signal });
        const timer = setTimeout(done, 250);
        proc.once('close', () => {
          clearTimeout(timer);
          done();
        });
      });
      proc.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
  }

  get running() {
    return this.pid !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The last lines it printed, for error messages. */
  lastLines() {
    return this.tail.join('\n');
  }

  /** Resolves with the first output line (from now on) matching `pattern`; rejects if it exits first or on timeout. */
  waitForLine(pattern, timeoutMs) {
    return new Promise((resolve, reject) => {
      const waiter = (line) => {
        if (!pattern.test(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name} printed no line matching ${pattern} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.lineWaiters.delete(waiter);
      };
      this.lineWaiters.add(waiter);
      void this.exited.then(({ code, signal }) => {
        if (!this.lineWaiters.has(waiter)) return;
        done();
        reject(new Error(`${this.name} exited (${signal ?? `code ${code}`}) before it was ready`));
      });
    });
  }

  /** Sends `signal` to this process only (not its group, not by name). */
  signal(signal) {
    if (this.running && this.pid) {
      try {
        process.kill(this.pid, signal);
      } catch {
        // It exited between the check and the kill: nothing to stop.
      }
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs) {
    if (!this.running) return this.exited;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  onLine(line) {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    for (const waiter of [...this.lineWaiters]) waiter(line);
  }
}

export class ProcessGroup {
  /** @param {{ print?: (line: string) => void, verbose?: boolean }} options */
  constructor(options = {}) {
    this.print = options.print ?? ((line) => process.stdout.write(`${line}\n`));
    this.verbose = options.verbose ?? false;
    this.children = [];
    this.stopping = false;
    this.unexpectedExitHandlers = [];
  }

  /**
   * Starts `command args` as `name`; its stdout and stderr are printed line by
   * line as "[name] ..." (kept only for error messages when `quiet`).
   */
  spawn(name, command, args, { env, cwd, quiet = false } = {}) {
    const proc = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const child = new Child(name, proc);
    this.children.push(child);
    if (proc.pid) this.print(`[stack] ${name} started (pid ${proc.pid})`);
    for (const stream of [proc.stdout, proc.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        child.onLine(line);
        if (this.verbose || (!quiet && !CHATTER.test(line))) this.print(`[${name}] ${line}`);
      });
    }
    proc.once('error', (err) => child.onLine(`cannot run ${command}: ${err.message}`));
    void child.exited.then((status) => {
      if (!this.stopping) this.reportExit(child, status);
    });
    return child;
  }

  /** `handler(child, status)` runs once, for the first child that exits while the stack is running. */
  onUnexpectedExit(handler) {
    this.unexpectedExitHandlers.push(handler);
  }

  /**
   * Stops every child, wave by wave (names in one wave stop together); children
   * in no wave stop last. Safe to call more than once.
   */
  async stopAll(waves = [], graceMs = 10_000) {
    this.stopping = true;
    const named = new Set(waves.flat());
    const rest = this.children.filter((c) => !named.has(c.name));
    for (const wave of [...waves.map((names) => this.children.filter((c) => names.includes(c.name))), rest]) {
      await Promise.all(wave.map((c) => c.stop(graceMs)));
    }
  }

  /** Last resort when this process is exiting anyway: SIGKILL whatever still runs. */
  killAllNow() {
    this.stopping = true;
    for (const child of this.children) child.signal('SIGKILL');
  }

  reportExit(child, status) {
    const handlers = this.unexpectedExitHandlers;
    this.unexpectedExitHandlers = [];
    for (const handler of handlers) handler(child, status);
  }
}
