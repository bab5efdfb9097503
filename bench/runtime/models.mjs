// The SmolLM-135M-shaped benchmark models, made once and cached under
// bench/out/models (git-ignored): `tessera synth` (random weights, real
// vocabulary, F16) then `tessera quantize` per type. Shared by bench/runtime
// and bench/engine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const modelsDir = join(root, 'bench', 'out', 'models');
const cli = join(root, 'apps', 'cli', 'bin', 'tessera.js');

function tessera(args) {
  console.error(`[bench] tessera ${args.join(' ')}`);
  execFileSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Path of the SmolLM-shaped model quantized to `type` (e.g. 'Q4_0'), made if missing. */
export function smollmModel(type) {
  mkdirSync(modelsDir, { recursive: true });
  const f16 = join(modelsDir, 'smollm-f16.gguf');
  if (!existsSync(f16)) tessera(['synth', f16, '--preset', 'smollm', '--outtype', 'f16']);
  if (type === 'F16') return f16;
  const out = join(modelsDir, `smollm-${type.toLowerCase()}.gguf`);
  if (!existsSync(out)) tessera(['quantize', f16, out, type]);
  return out;
}

/** Loads the compiled @tessera/engine, or exits with what to do. */
export function loadEngine(requireFn) {
  try {
    return requireFn(join(root, 'libs', 'engine', 'dist', 'index.js'));
  } catch (err) {
    console.error(`cannot load @tessera/engine (${err.message.split('\n')[0]}); run \`node tools/build.mjs\` first`);
    process.exit(1);
  }
}

/** Resident bytes of this process: total, and the part mapped from `file`. */
export function residentMemory(file) {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key) => Number((status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm')) ?? [0, 0])[1]) * 1024;
  let mapped = 0;
  let inFile = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(file);
    else if (inFile && line.startsWith('Rss:')) mapped += Number(line.split(/\s+/)[1]) * 1024;
  }
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), mapped };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const mib = (b) => (b / 1048576).toFixed(1);
