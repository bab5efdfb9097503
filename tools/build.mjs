#!/usr/bin/env node
// One idempotent build for a fresh clone or a warm tree: install dependencies
// when they are missing or stale, compile the native addon (CPU, plus CUDA where
// nvcc exists), then type-check and compile every TypeScript project.
// Needs nothing but Node and the system compiler; safe to run repeatedly.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };

function run(cmd, args, opts = {}) {
  console.error(`[build] ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env, ...opts });
}

function mtime(p) {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

export function installIfNeeded() {
  const stamp = join(root, 'node_modules', '.package-lock.json');
  if (mtime(stamp) >= mtime(join(root, 'package-lock.json')) && mtime(stamp) > 0) return;
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

export function buildNative() {
  const dir = join(root, 'libs', 'native');
  run(join(root, 'node_modules', '.bin', 'cmake-js'), ['build', '--directory', dir, '--log-level', 'warn'], {
    env: { ...env, CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? '2' },
  });
}

export function buildTypeScript() {
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-b', 'tsconfig.build.json']);
}

export function buildAll() {
  installIfNeeded();
  buildNative();
  buildTypeScript();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    buildAll();
  } catch (err) {
    console.error(`[build] failed: ${err.message.split('\n')[0]}`);
    process.exit(1);
  }
}
