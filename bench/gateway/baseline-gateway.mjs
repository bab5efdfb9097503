// A second gateway process, built from another checkout, joined to the running
// stack (same Redis, same worker): the bench then sends each request through
// both gateways and straight to the worker in the same seconds, so the
// difference between two gateway builds is not buried in machine drift.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../tools/stack/ports.mjs';
import { waitForGateway } from '../../tools/stack/readiness.mjs';

/**
 * Starts `root`/apps/gateway/dist/main.js against the stack `ready` (from
 * createStack().start()); resolves with { url, pid, stop() } once it lists the model.
 */
export async function startBaselineGateway(root, ready, env, adminKey) {
  const main = join(root, 'apps', 'gateway', 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build that checkout first (node tools/build.mjs)`);
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...env, REDIS_URL: ready.redisUrl, TESSERA_STORE_DIR: ready.storeDir, TESSERA_IMPORT_DIR: ready.importDir, PORT: String(port), HOST: '127.0.0.1', TESSERA_ADMIN_KEY: adminKey, NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await Promise.race([waitForGateway(url, adminKey, ready.model, 60_000), exited.then((code) => Promise.reject(new Error(`exited with ${code}: ${stderr}`)))]);
  } catch (err) {
    await stop();
    throw new Error(`the baseline gateway from ${root} did not start: ${err.message}`);
  }
  return { url, pid: child.pid, stop };
}
