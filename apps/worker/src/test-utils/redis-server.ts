import { spawn, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { freePort } from './free-port';

export interface TestRedis {
  port: number;
  url: string;
  /** A client for assertions; closed by stop(). */
  client: Redis;
  stop(): Promise<void>;
}

/** A throwaway redis-server on loopback: no persistence, stopped by its PID. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const spawnError = new Promise<never>((_, reject) => proc.once('error', (err) => reject(new Error(`cannot start redis-server (apt-get install redis-server): ${err.message}`))));
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await Promise.race([client.connect().then(() => client.ping()), spawnError]);
      break;
    } catch (err) {
      client.disconnect();
      if (Date.now() > deadline || proc.exitCode !== null) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    url,
    client,
    async stop() {
      client.disconnect();
      if (proc.exitCode !== null || !proc.pid) return;
      const exited = new Promise((r) => proc.once('exit', r));
      process.kill(proc.pid, 'SIGTERM');
      await exited;
    },
  };
}
