#!/usr/bin/env node
// bench/engine: the whole serving engine (scheduler, paged KV, native forward,
// native sampling) on a SmolLM-135M-shaped model, 2 threads. Two sections:
// - tg: aggregate generation tokens/s with 1, 4 and 16 concurrent streams
//   (1-token prompts, 64 greedy tokens each, EOS ignored), median of
//   interleaved repetitions, next to the reference's batched figures
//   (shared/TOOLCHAIN.md);
// - prefix: requests sharing a long system prompt, prefix caching on vs off:
//   time to first token of a cold burst and of requests one at a time,
//   prompt tokens computed, the engine's hit counters.
// Prints tables and writes bench/out/engine.json.
// usage: node bench/engine/run.mjs [--sections tg,prefix] [--streams 1,4,16] [--type Q4_0] [--threads 2]
//          [--reps 5] [-n 64] [--tp 1] [--system 384] [--suffix 16] [--requests 8]
// --tp N splits the model over N CPU ranks (threads are shared among them;
// SmolLM's 9 heads / 3 KV heads allow 1 or 3).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEngine, median, mib, residentMemory, root, smollmModel } from '../runtime/models.mjs';
import { measurePrefix } from './prefix.mjs';
import { formatTable } from './table.mjs';
import { measureThroughput } from './throughput.mjs';

const { values } = parseArgs({
  options: {
    sections: { type: 'string', default: 'tg,prefix' },
    streams: { type: 'string', default: '1,4,16' },
    type: { type: 'string', default: 'Q4_0' },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '5' },
    n: { type: 'string', short: 'n', default: '64' },
    tp: { type: 'string', default: '1' },
    system: { type: 'string', default: '384' },
    suffix: { type: 'string', default: '16' },
    requests: { type: 'string', default: '8' },
  },
});
const sections = new Set(values.sections.split(','));
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
const openEngine = (options) => openLocalEngine(path, { threads, tensorParallel, ...options });
const loadStart = loadavg();
const report = { date: new Date().toISOString(), type: values.type, threads, tensorParallel };

if (sections.has('tg')) {
  const local = await openEngine({ maxSeqs: Math.max(...streamCounts), maxModelLen: genLen + 8, enablePrefixCaching: false });
  let rows;
  try {
    rows = await measureThroughput(local, { streamCounts, genLen, reps, median });
  } finally {
    report.memory = { ...residentMemory(path), ...local.model.memory };
    local.close();
  }
  for (const r of rows) r.reference = REFERENCE[r.streams] ?? null;
  report.reps = reps;
  report.gen = genLen;
  report.rows = rows;
  const m = report.memory;
  console.log(
    formatTable(
      ['streams', 'tg t/s (aggregate)', 'per stream', 'reference', 'vs ref', 'CPU ms/token'],
      rows.map((r) => [
        String(r.streams),
        r.tokens_per_s.toFixed(1),
        (r.tokens_per_s / r.streams).toFixed(1),
        r.reference ? String(r.reference) : '',
        r.reference ? `${((100 * r.tokens_per_s) / r.reference).toFixed(0)}%` : '',
        r.cpu_ms_per_token.toFixed(2),
      ]),
    ),
  );
  console.log(
    `\n${values.type}, ${threads} threads, tensorParallel ${tensorParallel}, ${genLen} tokens per stream, median of ${reps} (interleaved). ` +
      `RSS ${mib(m.rss)} MiB (packed weights ${mib(m.packedBytes)}, KV pool ${mib(m.kvCacheBytes)}, scratch ${mib(m.scratchBytes)}, ` +
      `mapped file pages ${mib(m.mapped)}).\n`,
  );
}

if (sections.has('prefix')) {
  const options = { systemLen: Number(values.system), suffixLen: Number(values.suffix), genLen: 8, requests: Number(values.requests), median };
  console.error(`[bench] prefix caching: ${options.requests} requests sharing a ${options.systemLen}-token system prompt, off then on`);
  const off = await measurePrefix(openEngine, false, options);
  const on = await measurePrefix(openEngine, true, options);
  report.prefix = { ...options, median: undefined, rows: [off, on] };
  const ms = (x) => x.toFixed(0);
  console.log(
    formatTable(
      ['prefix cache', 'cold burst TTFT (median)', 'burst s', 'one at a time: TTFT first', 'TTFT later (median)', 'total s', 'prompt tokens computed', 'cached (hits)'],
      [off, on].map((r) => [
        r.caching ? 'on' : 'off',
        `${ms(r.burst_ttft_ms)} ms`,
        r.burst_seconds.toFixed(2),
        `${ms(r.first_ttft_ms)} ms`,
        `${ms(r.later_ttft_ms)} ms`,
        r.sequential_seconds.toFixed(2),
        `${r.computed_prompt_tokens} / ${r.prompt_tokens}`,
        `${r.cached_prompt_tokens} (${r.counters.prefix_hits}/${r.counters.prefix_queries} requests)`,
      ]),
    ),
  );
  const saved = off.later_ttft_ms - on.later_ttft_ms;
  report.prefix.saved_ttft_ms = saved;
  console.log(
    `\nEach request: a ${options.systemLen}-token system prompt shared by its group + a ${options.suffixLen}-token suffix of its own, 8 greedy tokens out. ` +
      `A burst of ${options.requests} arriving at once on a cold cache, then ${options.requests} one at a time with another system prompt. ` +
      `Prefix caching saves ${ms(saved)} ms of prompt processing per request ` +
      `(TTFT ${ms(off.later_ttft_ms)} -> ${ms(on.later_ttft_ms)} ms, ${(off.later_ttft_ms / on.later_ttft_ms).toFixed(1)}x); ` +
      `cold burst ${off.burst_seconds.toFixed(2)} -> ${on.burst_seconds.toFixed(2)} s (TTFT ${ms(off.burst_ttft_ms)} -> ${ms(on.burst_ttft_ms)} ms).\n`,
  );
}

report.loadavg = [loadStart, loadavg()];
console.log(`Load average ${loadStart.map((l) => l.toFixed(2)).join(' ')} at start, ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end (others share these cores).`);
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(join(root, 'bench', 'out', 'engine.json'), JSON.stringify(report, null, 2) + '\n');
console.error('wrote bench/out/engine.json');
