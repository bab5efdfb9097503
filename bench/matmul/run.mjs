#!/usr/bin/env node
// bench/matmul: one thread's throughput of the matmul kernels per weight type,
// for SmolLM-135M's two FFN shapes (576x1536 and 1536x576, rows x cols), with
// 1 token (generation: streams the weights) and 16 tokens (prefill: reuses
// them). Weights are random floats quantized natively, replicated to ~48 MB
// and used in turn so they come from memory as a model's do (--hot: one copy,
// cache-resident). Prints a table and writes bench/out/matmul.json.
// Paths: auto / avx2 / avx512 / scalar on the GGUF layout, and 'packed' (auto on
// weights packed with pack_weights, where the type has a packed kernel).
// usage: node bench/matmul/run.mjs [--types Q4_0,Q8_0] [--paths auto,packed,avx2,scalar] [--tokens 1,16] [--hot]
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(import.meta.url);
let native;
try {
  native = require(join(root, 'libs', 'native', 'dist', 'index.js'));
} catch (err) {
  console.error(`bench/matmul: cannot load libs/native (${err.message.split('\n')[0]}); run \`node tools/build.mjs\` first`);
  process.exit(1);
}
const { GGMLType, findTypeTraits, quantizeSync, quantizeActivations, timeMatmul, bestMatmulPath, packedWeightsBytes } = native;

const { values } = parseArgs({
  options: {
    types: { type: 'string', default: 'F16,Q4_0,Q8_0,Q4_K,Q5_K,Q6_K,Q2_K,Q3_K,IQ4_XS' },
    paths: { type: 'string', default: 'auto,packed' },
    tokens: { type: 'string', default: '1,16' },
    hot: { type: 'boolean', default: false },
    mb: { type: 'string', default: '48' },
  },
});

const SHAPES = [
  [576, 1536],
  [1536, 576],
];
const TARGET_SECONDS = 0.25;

function gaussian(n, seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
  return out;
}

function weightsOf(type, rows, cols) {
  const floats = gaussian(rows * cols, rows + cols);
  const one = type === GGMLType.F32 ? new Uint8Array(floats.buffer) : quantizeSync(type, floats, cols, { threads: 2 });
  const copies = values.hot ? 1 : Math.max(1, Math.ceil((Number(values.mb) * 1e6) / one.byteLength));
  const all = new Uint8Array(one.byteLength * copies);
  for (let c = 0; c < copies; c++) all.set(one, c * one.byteLength);
  return { weights: all, copies, bytes: one.byteLength };
}

const rows = [];
console.log(`matmul, 1 thread, best path here: ${bestMatmulPath()}, weights ${values.hot ? 'cache-resident' : 'streamed from memory'}`);
console.log('type    rows x cols  tokens  path     us/call   GFLOP/s   weight GB/s');
for (const name of values.types.split(',')) {
  const type = GGMLType[name];
  if (type === undefined || !findTypeTraits(type)) throw new Error(`unknown type ${name}`);
  for (const [r, c] of SHAPES) {
    // K-quant rows must be whole 256-element super-blocks (576 is not).
    if (c % findTypeTraits(type).blockSize !== 0) continue;
    const { weights, copies, bytes } = weightsOf(type, r, c);
    for (const nTokens of values.tokens.split(',').map(Number)) {
      const xq = quantizeActivations(type, gaussian(nTokens * c, 3), c);
      for (const path of values.paths.split(',')) {
        const packed = path === 'packed';
        if (packed && packedWeightsBytes(type, r, c) === 0) continue;
        const args = { type, weights, rows: r, cols: c, xq, nTokens, path: packed ? 'auto' : path, packed };
        const probe = timeMatmul(args, 3, copies);
        const iterations = Math.max(3, Math.min(20000, Math.round(TARGET_SECONDS / probe)));
        const seconds = timeMatmul(args, iterations, copies);
        const row = {
          type: name, rows: r, cols: c, tokens: nTokens, path, microseconds: seconds * 1e6,
          gflops: (2 * r * c * nTokens) / seconds / 1e9, weightGBps: bytes / seconds / 1e9, copies,
        };
        rows.push(row);
        console.log(
          `${name.padEnd(7)} ${String(r).padStart(4)} x ${String(c).padEnd(5)} ${String(nTokens).padStart(6)}  ${path.padEnd(7)} ${row.microseconds.toFixed(1).padStart(8)} ${row.gflops.toFixed(1).padStart(9)} ${row.weightGBps.toFixed(2).padStart(12)}`,
        );
      }
    }
  }
}
const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'matmul.json'), JSON.stringify({ date: new Date().toISOString(), bestPath: bestMatmulPath(), hot: values.hot, rows }, null, 2));
console.log(`wrote ${join('bench', 'out', 'matmul.json')}`);
