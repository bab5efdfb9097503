// A throw-away redis-server for tests that need the real thing (BullMQ, the
// registry, rate limits): loopback only, a free port, no persistence, its own
// temp directory, stopped by its PID and that directory removed.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { TestingError } from './testing-error';
import { spawnWatched, type WatchedProcess } from './watched-process';

export interface TestRedis {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Kills exactly this redis-server (SIGKILL), waits for its exit, removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface TestRedisOptions {
  /** How long redis-server may take to accept connections (default 10 s). */
  startTimeoutMs?: number;
}

const READY_LINE = 'Ready to accept connections';
/** Another process can take the free port before redis binds it; a new port is tried this often. */
const PORT_ATTEMPTS = 3;

export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-redis-'));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = spawnWatched('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { name: `redis-server on port ${port}` });
      try {
        await server.waitForOutput((out) => out.includes(READY_LINE) || undefined, { timeoutMs: options.startTimeoutMs ?? 10_000, what: `"${READY_LINE}"` });
        return handle(server, port, dir);
      } catch (err) {
        await server.stop();
        if (attempt < PORT_ATTEMPTS && /address already in use/i.test(server.output())) continue;
        throw explain(err as Error);
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function handle(server: WatchedProcess, port: number, dir: string): TestRedis {
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: server.child.pid!,
    async stop() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function explain(err: Error): Error {
  if (err instanceof TestingError && err.code === 'TESTING_SPAWN_FAILED') {
    return new TestingError(err.code, `${err.message} Install it with apt-get install redis-server (npm test installs it where it may).`);
  }
  return err;
}
