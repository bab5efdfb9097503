// What `npm start` reads from its environment, validated once before anything starts.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ADMIN_KEY_PATTERN, generateAdminKey } from './admin-key.mjs';
import { StackError } from './stack-error.mjs';

const DEMO_PRESETS = ['micro', 'tiny', 'small', 'smollm', 'tinyllama'];

function port(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new StackError('ESTACKCONFIG', `${name}=${JSON.stringify(raw)} is not a port: use an integer from 0 (any free port) to 65535.`);
  }
  return value;
}

/**
 * @typedef {object} StackConfig
 * @property {number} port        gateway port; 0 = a free one, chosen before the gateway starts
 * @property {string} host        gateway bind address
 * @property {string | undefined} redisUrl  external Redis; undefined = start our own
 * @property {string | undefined} modelPath GGUF to serve; undefined = the synthesized demo model
 * @property {string} demoPreset  synth preset of the demo model
 * @property {string} adminKey
 * @property {boolean} adminKeyGenerated true when the key was made for this run (print it once)
 * @property {string} dataDir     demo model cache, model store, Redis working dir
 * @property {Record<string, string | undefined>} env the environment handed on to the children
 */

/** Parses the stack's environment; throws StackError('ESTACKCONFIG') naming the bad variable. */
export function readStackConfig(env, root) {
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new StackError('ESTACKCONFIG', `REDIS_URL must start with redis:// or rediss://; unset it to let npm start run its own Redis.`);
  }
  const modelPath = env.TESSERA_MODEL ? resolve(env.TESSERA_MODEL) : undefined;
  if (modelPath && (!existsSync(modelPath) || !statSync(modelPath).isFile())) {
    throw new StackError('ESTACKCONFIG', `TESSERA_MODEL: no file at ${modelPath}; give the path of a GGUF file, or unset it to serve a synthesized demo model.`);
  }
  const demoPreset = env.TESSERA_DEMO_PRESET || 'tiny';
  if (!DEMO_PRESETS.includes(demoPreset)) {
    throw new StackError('ESTACKCONFIG', `TESSERA_DEMO_PRESET=${JSON.stringify(demoPreset)}: choose one of ${DEMO_PRESETS.join(', ')}.`);
  }
  const givenKey = env.TESSERA_ADMIN_KEY || undefined;
  if (givenKey && !ADMIN_KEY_PATTERN.test(givenKey)) {
    throw new StackError('ESTACKCONFIG', 'TESSERA_ADMIN_KEY must look like "tsk-" followed by at least 16 letters, digits, "-" or "_"; unset it to get a generated one.');
  }
  const dataDir = env.TESSERA_DATA_DIR ? resolve(env.TESSERA_DATA_DIR) : join(root, '.tessera');
  if (!isAbsolute(dataDir)) throw new StackError('ESTACKCONFIG', `TESSERA_DATA_DIR could not be made absolute: ${dataDir}`);
  return {
    port: port(env, 'PORT', 8080),
    host: env.HOST || '127.0.0.1',
    redisUrl,
    modelPath,
    demoPreset,
    adminKey: givenKey ?? generateAdminKey(),
    adminKeyGenerated: !givenKey,
    dataDir,
    env,
  };
}
