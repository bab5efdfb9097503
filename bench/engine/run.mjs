#!/usr/bin/env node
// bench/engine: aggregate generation tokens/s of the whole serving engine
// (scheduler, paged KV, native forward, native sampling) with 1, 4 and 16
// concurrent streams on a SmolLM-135M-shaped Q4_0 model, 2 threads, median of
// repetitions, next to the reference's batched figures (shared/TOOLCHAIN.md).
// Each stream has a 1-token prompt and generates 64 tokens greedily with EOS
// ignored. Prints a table and writes bench/out/engine.json.
// usage: node bench/engine/run.mjs [--streams 1,4,16] [--type Q4_0] [--threads 2] [--reps 3] [-n 64] [--tp 1]
// --tp N splits the model over N CPU ranks (threads are shared among them;
// SmolLM's 9 heads / 3 KV heads allow 1 or 3).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEngine, median, mib, residentMemory, root, smollmModel } from '../runtime/models.mjs';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '1,4,16' },
    type: { type: 'string', default: 'Q4_0' },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' },
    n: { type: 'string', short: 'n', default: '64' },
    tp: { type: 'string', default: '1' },
  },
});
const streamCounts = values.streams.split(',').map(Number);
const threads = Number(values.threads);
const reps = Math.max(3, Number(values.reps));
const genLen = Number(values.n);
const tensorParallel = Number(values.tp);
// llama.cpp 3f545bec, Q4_0, 2 threads: aggregate generation tokens/s.
const REFERENCE = { 1: 150, 4: 240, 16: 448 };

const require = createRequire(import.meta.url);
const { openLocalEngine } = loadEngine(require);
const path = smollmModel(values.type);
const maxStreams = Math.max(...streamCounts);
const local = await openLocalEngine(path, { threads, tensorParallel, maxSeqs: maxStreams, maxModelLen: genLen + 8, enablePrefixCaching: false });

/** Runs `n` streams at once to completion; returns seconds of wall time. */
async function timeStreams(n, seed) {
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const stream = local.engine.generate({
        id: `bench-${seed}-${i}`,
        promptTokens: [(seed * 7919 + i * 104729 + 13) % local.model.nVocab],
        params: { maxTokens: genLen, temperature: 0, ignoreEos: true },
      });
      let tokens = 0;
      for await (const event of stream) {
        if (event.finishReason === 'error') throw new Error(event.error ?? 'generation failed');
        if (event.tokenId !== null) tokens++;
      }
      if (tokens !== genLen) throw new Error(`stream ${i} produced ${tokens} tokens, expected ${genLen}`);
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const load = loadavg();
const rows = [];
let memory;
try {
  await timeStreams(1, 0); // warm-up: pages, threads
  let seed = 1;
  for (const n of streamCounts) {
    console.error(`[bench] ${n} stream(s) x ${genLen} tokens, ${reps} reps`);
    const times = [];
    for (let r = 0; r < reps; r++) times.push(await timeStreams(n, seed++));
    rows.push({ streams: n, tokens_per_s: (n * genLen) / median(times), seconds: times, reference: REFERENCE[n] ?? null });
  }
} finally {
  memory = { ...residentMemory(path), ...local.model.memory };
  local.close();
}

const header = ['streams', 'tg t/s (aggregate)', 'per stream', 'reference', 'vs ref'];
const lines = rows.map((r) => [
  String(r.streams),
  r.tokens_per_s.toFixed(1),
  (r.tokens_per_s / r.streams).toFixed(1),
  r.reference ? String(r.reference) : '',
  r.reference ? `${((100 * r.tokens_per_s) / r.reference).toFixed(0)}%` : '',
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
console.log([header, ...lines].map((cells) => cells.map((c, i) => c.padStart(widths[i])).join('  ')).join('\n'));
console.log(
  `\n${values.type}, ${threads} threads, tensorParallel ${tensorParallel}, ${genLen} tokens per stream, median of ${reps}. RSS ${mib(memory.rss)} MiB ` +
    `(packed weights ${mib(memory.packedBytes)}, KV pool ${mib(memory.kvCacheBytes)}, scratch ${mib(memory.scratchBytes)}, ` +
    `mapped file pages ${mib(memory.mapped)}). Load average ${load.map((l) => l.toFixed(2)).join(' ')} (others share these cores).`,
);
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'out', 'engine.json'),
  JSON.stringify({ date: new Date().toISOString(), type: values.type, threads, tensorParallel, reps, gen: genLen, loadavg: load, memory, rows }, null, 2) + '\n',
);
console.error('wrote bench/out/engine.json');
