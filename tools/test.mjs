#!/usr/bin/env node
// `npm test`: build whatever is missing, run every Jest suite once, and end with
// the plain summary line `N passed, N failed` that CI reads. Extra arguments are
// passed to Jest (for example a path filter).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll } from './build.mjs';
import { ensureSystemDeps } from './system-deps.mjs';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');

try {
  ensureSystemDeps();
  buildAll();
} catch (err) {
  console.error(`[test] build failed: ${err.message.split('\n')[0]}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const outDir = mkdtempSync(join(tmpdir(), 'tessera-jest-'));
const outFile = join(outDir, 'results.json');
const jest = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--json', `--outputFile=${outFile}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' } },
);

let passed = 0;
let failed = 0;
try {
  const results = JSON.parse(readFileSync(outFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  const skipped = results.numPendingTests + results.numTodoTests;
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
} catch {
  failed = Math.max(1, failed);
  console.log(`${passed} passed, ${failed} failed`);
}
rmSync(outDir, { recursive: true, force: true });
process.exit(jest.status === 0 && failed === 0 ? 0 : 1);
