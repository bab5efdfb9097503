// Synthesizes a model with the built `tessera synth` command. Under ts-jest the
// synthesizer runs some twenty times slower than compiled (a minute for the
// 'small' preset), so tests that need a model of real size use the build.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const CLI = join(__dirname, '..', '..', '..', 'cli', 'bin', 'tessera.js');

export async function synthWithCli(out: string, opts: { preset: string; outtype: 'f16' | 'f32'; seed: number }): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing; build first with node tools/build.mjs`);
  await promisify(execFile)(process.execPath, [CLI, 'synth', out, '--preset', opts.preset, '--outtype', opts.outtype, '--seed', String(opts.seed)], { timeout: 120_000 });
}
