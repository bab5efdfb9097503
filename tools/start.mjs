#!/usr/bin/env node
// `npm start`: the main job. Until the serving stack lands (see docs/roadmap.md),
// it runs the CLI demo end to end: synthesize a model, quantize it, inspect it.
// Everything goes under .tessera/demo (git-ignored); re-running is safe.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'apps', 'cli', 'bin', 'tessera.js');
const work = join(root, '.tessera', 'demo');
const preset = process.env.TESSERA_DEMO_PRESET ?? 'tiny';
const quant = process.env.TESSERA_DEMO_TYPE ?? 'Q4_K_M';

function tessera(...args) {
  console.log(`$ tessera ${args.join(' ')}`);
  execFileSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
}

try {
  buildAll();
  mkdirSync(work, { recursive: true });
  const f32 = join(work, `${preset}-f32.gguf`);
  const out = join(work, `${preset}-${quant}.gguf`);
  tessera('synth', f32, '--preset', preset, '--seed', '1');
  tessera('quantize', f32, out, quant, '--threads', '2');
  tessera('inspect', out);
  console.log(`\nDemo models are in ${work}. Try: npx tessera --help`);
} catch (err) {
  console.error(`npm start failed: ${err.message.split('\n')[0]}`);
  process.exit(1);
}
