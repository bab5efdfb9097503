#!/usr/bin/env node
// bench/runtime: the native forward pass alone (no scheduler, no sampling),
// like llama-bench: prompt processing (one 128-token forward) and generation
// (64 one-token forwards) for 1 stream on a SmolLM-135M-shaped model
// quantized to Q4_0, Q8_0 and Q4_K_M, median of repetitions, next to the
// reference's figures on this machine class (shared/TOOLCHAIN.md). Each type
// runs in its own process so its resident memory is its own: total RSS, the
// model's share (mapped file pages still resident + packed weights + KV pool
// + scratch). Prints a table and writes bench/out/runtime.json.
// usage: node bench/runtime/run.mjs [--types Q4_0,Q8_0,Q4_K_M] [--threads 2] [--reps 3] [-p 128] [-n 64]
//          [--addon /tmp/a.node]   (another build of tessera_native.node, for A/B runs
//                                   against a copy without rebuilding in between)
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadEngine, median, mib, residentMemory, root, smollmModel } from './models.mjs';

const { values } = parseArgs({
  options: {
    types: { type: 'string', default: 'Q4_0,Q8_0,Q4_K_M' },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' },
    p: { type: 'string', short: 'p', default: '128' },
    n: { type: 'string', short: 'n', default: '64' },
    addon: { type: 'string' },
    one: { type: 'string' }, // internal: measure one model file in this process
  },
});
const threads = Number(values.threads);
const reps = Math.max(3, Number(values.reps));
const promptLen = Number(values.p);
const genLen = Number(values.n);

// llama.cpp 3f545bec on this machine class, 2 threads (shared/TOOLCHAIN.md).
const REFERENCE = {
  Q4_0: { pp: [600, 850], tg: [150, 163] },
  Q8_0: { pp: [578, 578], tg: [115, 115] },
  Q4_K_M: { pp: [356, 356], tg: [141, 141] },
};

/** A one-sequence batch of `tokens` at positions start.. over blocks 0.. */
function batchOf(tokens, start, blockSize, maxBlocks) {
  const positions = Int32Array.from(tokens, (_, i) => start + i);
  return {
    tokens: Int32Array.from(tokens),
    positions,
    seqStarts: Int32Array.of(0, tokens.length),
    seqLens: Int32Array.of(start + tokens.length),
    blockTables: Int32Array.from({ length: maxBlocks }, (_, i) => i),
    maxBlocksPerSeq: maxBlocks,
    slotMapping: positions, // block b holds positions b*blockSize.. : slot == position
    logitRows: Int32Array.of(tokens.length - 1),
  };
}

/** Makes @tessera/native load the addon binary at `file` instead of its own build. */
function useAddon(require, file) {
  const own = join(root, 'libs', 'native', 'build', 'Release', 'tessera_native.node');
  const alt = resolve(file);
  require(alt);
  require.cache[own] = require.cache[alt];
}

async function measureOne(path) {
  const require = createRequire(import.meta.url);
  const before = residentMemory(path);
  if (values.addon) useAddon(require, values.addon);
  const { LlamaModel } = loadEngine(require);
  const blockSize = 16;
  const maxBlocks = Math.ceil((promptLen + genLen + 8) / blockSize);
  const model = await LlamaModel.load(path, { threads, kvBlocks: maxBlocks, blockSize });
  const tokenAt = (i) => (i * 7919 + 13) % model.nVocab;
  const prompt = Array.from({ length: promptLen }, (_, i) => tokenAt(i));
  const time = async (fn) => {
    const t0 = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const warmUp = Array.from({ length: 8 }, (_, i) => tokenAt(i));
  await model.forward(batchOf(warmUp, 0, blockSize, maxBlocks)); // warm-up: pages, threads (also with -p 0)
  const pp = [];
  const tg = [];
  // One logits row for every decode step, as a generation loop keeps (and as
  // the reference's context keeps its logits buffer).
  const logits = new Float32Array(model.nVocab);
  for (let r = 0; r < reps; r++) {
    if (promptLen > 0) pp.push(await time(() => model.forward(batchOf(prompt, 0, blockSize, maxBlocks))));
    if (genLen > 0) {
      tg.push(
        await time(async () => {
          for (let i = 0; i < genLen; i++) await model.forward(batchOf([tokenAt(r * 1000 + i)], i, blockSize, maxBlocks), logits);
        }),
      );
    }
  }
  const after = residentMemory(path);
  const result = {
    pp_tokens_per_s: promptLen > 0 ? promptLen / median(pp) : null,
    tg_tokens_per_s: genLen > 0 ? genLen / median(tg) : null,
    pp_seconds: pp,
    tg_seconds: tg,
    memory: {
      rss_bytes: after.rss,
      rss_before_load_bytes: before.rss,
      model_rss_bytes: after.rss - before.rss,
      mapped_resident_bytes: after.mapped,
      ...Object.fromEntries(Object.entries(model.memory).map(([k, v]) => [k.replace(/Bytes$/, '_bytes').replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()), v])),
    },
  };
  model.close();
  return result;
}

if (values.one) {
  process.stdout.write(JSON.stringify(await measureOne(values.one)) + '\n');
  process.exit(0);
}

const types = values.types.split(',').map((t) => t.trim());
const rows = [];
const load = loadavg();
for (const type of types) {
  const path = smollmModel(type);
  console.error(`[bench] ${type}: pp${promptLen} and tg${genLen}, ${threads} threads, ${reps} reps`);
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--one', path, ...(values.addon ? ['--addon', values.addon] : []), '--threads', String(threads), '--reps', String(reps), '-p', String(promptLen), '-n', String(genLen)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  rows.push({ type, file: path, ...JSON.parse(out.trim().split('\n').pop()), reference: REFERENCE[type] ?? null });
}

const range = ([lo, hi]) => (lo === hi ? String(lo) : `${lo}–${hi}`);
const ratio = (x, ref) => (x && ref ? `${((100 * x) / ref[0]).toFixed(0)}%` : '');
const header = ['type', `pp${promptLen} t/s`, 'ref', 'vs ref', `tg${genLen} t/s`, 'ref', 'vs ref', 'RSS MiB', 'model MiB', '= mapped', '+ packed', '+ KV', '+ scratch'];
const lines = rows.map((r) => {
  const m = r.memory;
  return [
    r.type,
    r.pp_tokens_per_s?.toFixed(0) ?? '',
    r.reference ? range(r.reference.pp) : '',
    ratio(r.pp_tokens_per_s, r.reference?.pp),
    r.tg_tokens_per_s?.toFixed(1) ?? '',
    r.reference ? range(r.reference.tg) : '',
    ratio(r.tg_tokens_per_s, r.reference?.tg),
    mib(m.rss_bytes),
    mib(m.model_rss_bytes),
    mib(m.mapped_resident_bytes),
    mib(m.packed_bytes),
    mib(m.kv_cache_bytes),
    mib(m.scratch_bytes),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const fmt = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log([fmt(header), ...lines.map(fmt)].join('\n'));
console.log(
  `\n${threads} threads, 1 stream, median of ${reps}; "vs ref" is against the low end of the reference range ` +
    `(targets: tg >= 100%, pp >= 80%). model MiB = RSS growth from loading and running the model; ` +
    `mapped = file pages still resident (embedding rows, norms), packed = repacked matmul weights whose mapped ` +
    `pages were released. Load average ${load.map((l) => l.toFixed(2)).join(' ')} (others share these cores).`,
);
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'out', 'runtime.json'),
  JSON.stringify({ date: new Date().toISOString(), threads, reps, prompt: promptLen, gen: genLen, loadavg: load, rows }, null, 2) + '\n',
);
console.error('wrote bench/out/runtime.json');
