// The model served when TESSERA_MODEL is unset: a random-weight model with a
// real BPE vocabulary and chat template (`tessera synth`), made once and cached.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './stack-error.mjs';

/** Path of the cached demo model for `preset`, synthesizing it first if it is missing. */
export function ensureDemoModel(root, dataDir, preset) {
  const dir = join(dataDir, 'models');
  const path = join(dir, `demo-${preset}.gguf`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  // A temporary name then a rename: an interrupted synth never leaves a file that looks cached.
  const partial = join(dir, `.demo-${preset}.${process.pid}.gguf`);
  console.log(`[stack] synthesizing the demo model (preset ${preset}) into ${path}`);
  try {
    execFileSync(process.execPath, [join(root, 'apps', 'cli', 'bin', 'tessera.js'), 'synth', partial, '--preset', preset, '--seed', '1'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    renameSync(partial, path);
  } catch (err) {
    rmSync(partial, { force: true });
    const detail = err.stderr ? String(err.stderr).trim().split('\n').pop() : err.message;
    throw new StackError('ESTACKSTART', `could not synthesize the demo model: ${detail}. Run "node tools/build.mjs", or set TESSERA_MODEL to a GGUF file.`);
  }
  return path;
}
