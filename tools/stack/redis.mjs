// Our own Redis for the local stack: loopback only, a free port, no persistence
// (queues, registry and keys live as long as the stack), stopped by PID with it.
import { mkdirSync } from 'node:fs';
import { ensureSystemDeps } from '../system-deps.mjs';
import { freePort } from './ports.mjs';

/** Starts redis-server as the group's child "redis"; resolves with its URL once it accepts connections. */
export async function startRedis(group, workDir) {
  ensureSystemDeps(['redis-server']);
  mkdirSync(workDir, { recursive: true });
  const port = await freePort();
  const child = group.spawn('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workDir], { quiet: true });
  await child.waitForLine(/Ready to accept connections/, 10_000);
  return { url: `redis://127.0.0.1:${port}`, child };
}
