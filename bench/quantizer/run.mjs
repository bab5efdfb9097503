#!/usr/bin/env node
// bench/quantizer: throughput of the quantization service end to end. A batch
// of quantize jobs on the SmolLM-135M-shaped F16 model goes through a real
// redis-server and BullMQ to quantizer processes (the built apps/quantizer,
// as deployed), in several layouts: 1 worker x 1 thread, 1 worker x 2
// threads, 2 workers x 1 thread. Reported: jobs per minute and MB/s of input
// (batch wall time, from submission to the last completion), the mean
// seconds inside quantizeFile per job, and the rest of each job's worker time
// (queueing, hashing and storing the output). On a 2-core machine the last two layouts use
// the same cores, one with parallel jobs, the other with parallel tensors.
// Prints a table and writes bench/out/quantizer.json.
// usage: node bench/quantizer/run.mjs [--presets Q4_0,Q8_0,Q4_K_M,Q4_K_M] [--layouts 1x1,1x2,2x1]
import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, smollmModel } from '../runtime/models.mjs';

const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: {
    presets: { type: 'string', default: 'Q4_0,Q8_0,Q4_K_M,Q4_K_M' },
    layouts: { type: 'string', default: '1x1,1x2,2x1' },
  },
});

function loadBuilt() {
  try {
    return { bullmq: require('bullmq'), store: require('@tessera/store'), contracts: require('@tessera/contracts') };
  } catch (err) {
    console.error(`cannot load the built libraries (${err.message.split('\n')[0]}); run \`node tools/build.mjs\` first`);
    process.exit(1);
  }
}
const { bullmq, store: storeLib, contracts } = loadBuilt();
const entry = join(root, 'apps', 'quantizer', 'dist', 'main.js');

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Starts `command`, resolving once its output contains `ready`; the child is returned for stopping by PID. */
function startProcess(command, args, env, ready) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      if (out.includes(ready)) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.at(-1) ?? command} exited (${code}) before it was ready:\n${out.slice(-1500)}`)));
  });
}

const stop = (child, signal = 'SIGTERM') =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(child.pid, signal);
  });

async function runLayout(layout, ctx) {
  const [workers, threads] = layout.split('x').map(Number);
  const prefix = `bench-${layout}`;
  const env = { REDIS_URL: ctx.redisUrl, TESSERA_STORE_DIR: ctx.storeDir, QUANT_THREADS: String(threads), QUANT_CONCURRENCY: '1', QUANT_QUEUE_PREFIX: prefix };
  const children = await Promise.all(Array.from({ length: workers }, () => startProcess(process.execPath, [entry], env, 'processing convert, quantize')));
  const queue = new bullmq.Queue(contracts.QuantQueue.Quantize, { connection: ctx.connection, prefix });
  try {
    const presets = values.presets.split(',');
    const started = process.hrtime.bigint();
    const jobs = await Promise.all(
      presets.map((preset, i) => {
        // A distinct model name per job: the same preset of the same source under one name would be reused, not redone.
        const plan = { sweepId: `${prefix}-${i}`, team: 'bench', name: `${prefix}-${i}`, source: 'file:smollm-f16.gguf', presets: [preset], evaluate: false };
        return queue.add('quantize', { plan, preset, sourceDigest: ctx.sourceDigest }, { ...contracts.QUANT_JOB_DEFAULTS, jobId: contracts.quantJobIds.quantize(plan.sweepId, preset) });
      }),
    );
    const results = [];
    for (const job of jobs) {
      for (;;) {
        const state = await job.getState();
        if (state === 'failed') throw new Error(`${job.id} failed: ${(await queue.getJob(job.id)).failedReason}`);
        if (state === 'completed') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      results.push((await queue.getJob(job.id)).returnvalue);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      layout,
      workers,
      threadsPerWorker: threads,
      jobs: presets.length,
      presets,
      seconds,
      jobsPerMinute: (presets.length * 60) / seconds,
      inputMBPerSecond: (presets.length * ctx.sourceBytes) / 1e6 / seconds,
      meanJobSeconds: results.reduce((n, r) => n + r.seconds, 0) / results.length,
      // Worker time per job not spent in quantizeFile: queueing, hashing and storing the output, manifests.
      overheadSecondsPerJob: (seconds * workers - results.reduce((n, r) => n + r.seconds, 0)) / results.length,
      perPresetSeconds: Object.fromEntries(results.map((r, i) => [`${r.preset}#${i}`, r.seconds])),
    };
  } finally {
    await queue.close();
    await Promise.all(children.map((c) => stop(c)));
  }
}

async function main() {
  if (!require('node:fs').existsSync(entry)) {
    console.error(`${entry} is missing; run \`node tools/build.mjs\` first`);
    process.exit(1);
  }
  const source = smollmModel('F16');
  const sourceBytes = statSync(source).size;
  const outDir = join(root, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const storeDir = mkdtempSync(join(outDir, 'quantizer-store-'));
  const port = await freePort();
  const redis = await startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {}, 'Ready to accept connections');
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const rows = [];
  const loadBefore = loadavg()[0];
  try {
    const store = new storeLib.ModelStore(storeDir);
    const { digest } = await store.blobs.ingestStream(createReadStream(source));
    const ctx = { redisUrl: `redis://127.0.0.1:${port}`, storeDir, connection, sourceDigest: digest, sourceBytes };
    for (const layout of values.layouts.split(',')) {
      console.error(`[bench] ${layout} (workers x threads) ...`);
      rows.push(await runLayout(layout, ctx));
    }
  } finally {
    await stop(redis, 'SIGKILL');
    rmSync(storeDir, { recursive: true, force: true });
  }
  const loadAfter = loadavg()[0];

  const header = ['workers x threads', 'jobs', 'wall s', 'jobs/min', 'MB/s in', 'mean quantize s', 'overhead s/job'];
  const table = [header, ...rows.map((r) => [r.layout, String(r.jobs), r.seconds.toFixed(2), r.jobsPerMinute.toFixed(1), r.inputMBPerSecond.toFixed(0), r.meanJobSeconds.toFixed(2), r.overheadSecondsPerJob.toFixed(2)])];
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  console.log(`source: ${source} (${(sourceBytes / 1e6).toFixed(0)} MB F16); batch ${values.presets}; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
  for (const row of table) console.log(row.map((cell, c) => cell.padStart(widths[c])).join('  '));
  const result = { bench: 'quantizer', source, sourceBytes, loadAverage: { before: loadBefore, after: loadAfter }, rows, date: new Date().toISOString() };
  writeFileSync(join(outDir, 'quantizer.json'), JSON.stringify(result, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
