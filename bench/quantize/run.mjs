#!/usr/bin/env node
// bench/quantize: MB/s of input per preset with 1 and 2 threads on a SmolLM-135M-shaped
// model (F16 source, as in the reference figures), median of repetitions, plus each run's
// CPU seconds (user + system, all threads: other work on a shared machine stretches the wall
// time but hardly this) and peak resident memory (the process's whole peak, next to node's own
// baseline and the largest tensor, to show memory follows neither the model nor its largest
// tensor). The machine's load average is recorded, since other work on a shared box skews the times.
// Prints a table and writes bench/out/quantize.json.
// usage: node bench/quantize/run.mjs [--reps 3] [--presets Q4_0,Q8_0,Q4_K_M] [--threads 1,2] [--source F16.gguf]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const outDir = join(root, 'bench', 'out');
const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    presets: { type: 'string', default: 'Q4_0,Q4_1,Q5_0,Q5_1,Q8_0,Q2_K,Q3_K_M,Q4_K_S,Q4_K_M,Q5_K_M,Q6_K,IQ4_NL,IQ4_XS' },
    threads: { type: 'string', default: '1,2' },
    model: { type: 'string', default: 'smollm' },
    source: { type: 'string' },
  },
});

// llama-quantize (llama.cpp 3f545bec) from F16 on this machine class, 2 threads: shared/TOOLCHAIN.md.
const REFERENCE_SECONDS_2T = { Q4_0: 0.7, Q8_0: 1.0, Q4_K_M: 2.2 };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

mkdirSync(outDir, { recursive: true });
const source = values.source ?? join(outDir, `${values.model}-f16.gguf`);
if (!existsSync(source)) {
  execFileSync(process.execPath, [join(root, 'apps/cli/bin/tessera.js'), 'synth', source, '--preset', values.model, '--seed', '1', '--outtype', 'f16'], {
    stdio: 'inherit',
  });
}

const loadBefore = loadavg()[0];
const rows = [];
for (const preset of values.presets.split(',')) {
  for (const threads of values.threads.split(',').map(Number)) {
    const runs = [];
    for (let r = 0; r < Number(values.reps); r++) {
      const out = join(outDir, `bench-${preset}.gguf`);
      const line = execFileSync(process.execPath, [join(here, 'one.cjs'), source, out, preset, String(threads)], { cwd: root });
      runs.push(JSON.parse(line.toString()));
      rmSync(out, { force: true });
    }
    const seconds = median(runs.map((x) => x.seconds));
    const sizeIn = runs[0].sizeIn;
    const ref = threads === 2 ? REFERENCE_SECONDS_2T[preset] : undefined;
    rows.push({
      preset,
      threads,
      seconds,
      cpuSeconds: median(runs.map((x) => x.cpuSeconds)),
      mbPerS: sizeIn / 1e6 / seconds,
      sizeInMB: sizeIn / 1e6,
      sizeOutMB: runs[0].sizeOut / 1e6,
      peakRssMB: Math.max(...runs.map((x) => x.peakRssKb)) / 1024,
      baselineRssMB: runs[0].baselineRssKb / 1024,
      largestTensorMB: runs[0].largestTensorBytes / 1e6,
      referenceSeconds: ref ?? null,
      speedupVsReference: ref ? ref / seconds : null,
    });
  }
}

const loadAfter = loadavg()[0];
const header = ['preset', 'thr', 'median s', 'cpu s', 'MB/s in', 'out MB', 'peak RSS MB', 'node baseline MB', 'largest tensor MB', 'ref s', 'vs ref'];
const table = [header, ...rows.map((r) => [
  r.preset, String(r.threads), r.seconds.toFixed(3), r.cpuSeconds.toFixed(2), r.mbPerS.toFixed(0), r.sizeOutMB.toFixed(1), r.peakRssMB.toFixed(0), r.baselineRssMB.toFixed(0),
  r.largestTensorMB.toFixed(1), r.referenceSeconds?.toFixed(1) ?? '', r.speedupVsReference ? `${r.speedupVsReference.toFixed(2)}x` : '',
])];
const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
console.log(`source: ${source} (${rows[0]?.sizeInMB.toFixed(0)} MB F16), median of ${values.reps} runs; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
for (const row of table) console.log(row.map((cell, c) => cell.padStart(widths[c])).join('  '));
writeFileSync(join(outDir, 'quantize.json'), JSON.stringify({ model: values.model, source, reps: Number(values.reps), loadAverage: { before: loadBefore, after: loadAfter }, rows }, null, 2) + '\n');
console.log(`wrote ${join(outDir, 'quantize.json')}`);
