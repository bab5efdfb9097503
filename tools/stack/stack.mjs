// The local stack: Redis (ours, unless REDIS_URL), one worker serving the model,
// the gateway, and the quantizer; started together, ready when the gateway
// lists the worker's model, stopped front to back (gateway, then worker and
// quantizer, then Redis) so in-flight work drains and workers deregister.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDemoModel } from './demo-model.mjs';
import { freePort } from './ports.mjs';
import { ProcessGroup } from './processes.mjs';
import { waitForGateway } from './readiness.mjs';
import { startRedis } from './redis.mjs';
import { StackError } from './stack-error.mjs';

const WORKER_READY = /^TESSERA_WORKER_READY /;
const STOP_WAVES = [['gateway'], ['worker', 'quantizer']];
const STOP_GRACE_MS = 15_000;

function appMain(root, app) {
  const main = join(root, 'apps', app, 'dist', 'main.js');
  if (!existsSync(main)) throw new StackError('ESTACKBUILD', `${main} is missing: build first with "node tools/build.mjs" (npm start does it for you).`);
  return main;
}

function describeExit(child, { code, signal, error }) {
  const how = error ? `could not run (${error.message})` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const tail = child.lastLines();
  return `${child.name} (pid ${child.pid}) ${how}${tail ? `; its last lines:\n${tail}` : ''}`;
}

/** Resolves like `promise`, or rejects as soon as a child dies. */
function unlessAChildDies(promise, failure) {
  return Promise.race([promise, failure.then((err) => Promise.reject(err))]);
}

/**
 * @typedef {object} ReadyStack
 * @property {string} url               gateway base URL
 * @property {string} model             the served model's id
 * @property {string[]} models          ids GET /v1/models listed at readiness
 * @property {string} workerAddress     the worker's gRPC host:port
 * @property {string} redisUrl
 * @property {boolean} ownRedis         true when the stack started (and will stop) Redis
 * @property {string} storeDir          the quantizer's model store
 * @property {Record<string, number>} pids  child name -> PID
 */

/**
 * The stack described by `config` (see config.mjs). `start()` resolves once it
 * serves, or rejects with a StackError after stopping what it started;
 * `failure` resolves when a child dies on its own; `stop()` may be called at
 * any time, also while `start()` is still under way.
 */
export function createStack(config, { root, print = (line) => process.stdout.write(`${line}\n`), verbose = false } = {}) {
  const group = new ProcessGroup({ print, verbose });
  const failure = new Promise((resolve) => group.onUnexpectedExit((child, status) => resolve(new StackError('ESTACKCHILD', describeExit(child, status)))));
  const stop = () => group.stopAll(STOP_WAVES, STOP_GRACE_MS);

  /** @returns {Promise<ReadyStack>} */
  async function start() {
    const [workerMain, gatewayMain, quantizerMain] = ['worker', 'gateway', 'quantizer'].map((app) => appMain(root, app));
    const modelPath = config.modelPath ?? ensureDemoModel(root, config.dataDir, config.demoPreset);
    const redis = config.redisUrl ? { url: config.redisUrl } : await unlessAChildDies(startRedis(group, join(config.dataDir, 'redis')), failure);
    const port = config.port || (await freePort());
    const storeDir = join(config.dataDir, 'store');
    // `file:` quantization sources must lie in the import directory; gateway
    // and quantizer share the store and the import directory.
    const importDir = config.env.TESSERA_IMPORT_DIR || join(config.dataDir, 'import');
    mkdirSync(importDir, { recursive: true });
    const base = { ...config.env, REDIS_URL: redis.url, TESSERA_STORE_DIR: storeDir, TESSERA_IMPORT_DIR: importDir };
    if (!process.stdout.isTTY) base.NO_COLOR = '1';

    const worker = group.spawn('worker', process.execPath, [workerMain], {
      cwd: root,
      env: { DRAIN_TIMEOUT_MS: '5000', ...base, TESSERA_MODEL: modelPath, WORKER_HOST: config.env.WORKER_HOST || '127.0.0.1' },
    });
    group.spawn('gateway', process.execPath, [gatewayMain], {
      cwd: root,
      env: { ...base, PORT: String(port), HOST: config.host, TESSERA_ADMIN_KEY: config.adminKey },
    });
    group.spawn('quantizer', process.execPath, [quantizerMain], { cwd: root, env: base });

    const readyLine = await unlessAChildDies(worker.waitForLine(WORKER_READY, 120_000), failure);
    const ready = JSON.parse(readyLine.replace(WORKER_READY, ''));
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
    const models = await unlessAChildDies(waitForGateway(url, config.adminKey, ready.model, 60_000), failure);
    return {
      url,
      model: ready.model,
      models,
      workerAddress: ready.address,
      redisUrl: redis.url,
      ownRedis: !config.redisUrl,
      storeDir,
      importDir,
      pids: Object.fromEntries(group.children.map((c) => [c.name, c.pid])),
    };
  }

  return {
    failure,
    stop,
    /** SIGKILL every child at once: only for when this process must exit now. */
    killNow: () => group.killAllNow(),
    start: async () => {
      try {
        return await start();
      } catch (err) {
        await stop();
        throw err instanceof StackError ? err : new StackError('ESTACKSTART', err.message);
      }
    },
  };
}
