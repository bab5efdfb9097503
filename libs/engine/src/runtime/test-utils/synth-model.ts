// A random-weight llama model written by `tessera synth` (the CLI, as the
// engine may not import the converter), for tests that need another shape
// than the golden micro model: e.g. the tiny preset has 6 query heads over
// 2 KV heads and a tied output matrix.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', '..', '..', '..', 'apps', 'cli', 'bin', 'tessera.js');

export interface SynthModel {
  path: string;
  remove(): void;
}

/** Writes a synthesized GGUF model into a fresh temporary folder. */
export function synthModel(preset: 'micro' | 'tiny' | 'small', outtype: 'f32' | 'f16' = 'f32', seed = 7): SynthModel {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-synth-'));
  const path = join(dir, `${preset}-${outtype}.gguf`);
  execFileSync(process.execPath, [CLI, 'synth', path, '--preset', preset, '--outtype', outtype, '--seed', String(seed)], { stdio: 'pipe' });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
