#!/usr/bin/env node
// `npm start`: the whole Tessera stack on this machine, CPU only: builds what is
// needed, then runs Redis (unless REDIS_URL), one worker serving TESSERA_MODEL
// (default: a synthesized demo model), the gateway on PORT (default 8080) and the
// quantizer. Ctrl-C or SIGTERM stops every child by PID; if a child dies on its
// own, everything stops and this exits 1 with the reason.
// Exit codes: 0 stopped on request, 1 a child died or start-up failed, 2 bad configuration.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build.mjs';
import { bannerLines, readyLine } from './stack/banner.mjs';
import { readStackConfig } from './stack/config.mjs';
import { createStack } from './stack/stack.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stdout.write(`${line}\n`);
const fail = (message, code) => {
  process.stderr.write(`npm start failed: ${message}\n`);
  process.exit(code);
};

let config;
try {
  config = readStackConfig(process.env, root);
} catch (err) {
  fail(err.message, err.code === 'ESTACKCONFIG' ? 2 : 1);
}

// TESSERA_SKIP_BUILD=1: the caller has just built (tests, benches).
if (process.env.TESSERA_SKIP_BUILD !== '1') {
  try {
    buildAll();
  } catch (err) {
    fail(`the build failed: ${err.message.split('\n')[0]}`, 1);
  }
}

const stack = createStack(config, { root, verbose: process.env.TESSERA_STACK_VERBOSE === '1' });
let stopping = false;

async function shutdown(reason, exitCode) {
  if (stopping) return;
  stopping = true;
  say(`[stack] ${reason}: stopping gateway, worker, quantizer${config.redisUrl ? '' : ', redis'}`);
  await stack.stop();
  say('[stack] stopped');
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) {
      // A second Ctrl-C: do not wait for draining.
      stack.killNow();
      process.exit(130);
    }
    void shutdown(`${signal} received`, 0);
  });
}
// Whatever path leads out of this process, no child outlives it.
process.on('exit', () => stack.killNow());

// Under `npm start` we run below `sh -c`, which does not pass on the SIGTERM npm
// forwards to it: it just dies and leaves us behind. Being re-parented is that signal.
if (process.env.npm_lifecycle_event === 'start') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown('npm start was stopped', 0);
  }, 500).unref();
}

try {
  const ready = await stack.start();
  if (!stopping) {
    for (const line of bannerLines(ready, config)) say(line);
    say(readyLine(ready));
    stack.failure.then((err) => {
      process.stderr.write(`[stack] ${err.message}\n`);
      void shutdown('a child died', 1);
    });
  }
} catch (err) {
  if (!stopping) fail(err.message, 1);
}
