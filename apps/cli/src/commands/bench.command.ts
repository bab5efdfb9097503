import { statSync } from 'node:fs';
import { openLocalEngine, type LLMEngine } from '@tessera/engine';
import type { Command } from '../command';
import { intFlag, parseCommandArgs, positionals } from '../args';
import { UsageError } from '../cli-error';
import { table } from '../format';

const usage = 'tessera bench MODEL.gguf [-p 128] [-n 64] [-t 2] [-r 3] [--batch 1,4,16] [--json]';

export interface BenchRow {
  test: string;
  batch: number;
  tokens_per_s: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Deterministic token ids so repetitions differ (no prefix-cache hits) yet runs reproduce. */
function randomTokens(seed: number, n: number, vocab: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % vocab;
  });
}

/** Runs `batch` requests at once to completion; returns seconds of wall time. */
async function timeBatch(engine: LLMEngine, batch: number, promptLen: number, maxTokens: number, seed: number, vocab: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: batch }, async (_, i) => {
      const stream = engine.generate({
        id: `bench-${seed}-${i}`,
        promptTokens: randomTokens(seed * 1000 + i + 1, promptLen, vocab),
        params: { maxTokens, temperature: 0, ignoreEos: true },
      });
      for await (const event of stream) {
        if (event.finishReason === 'error') throw new Error(event.error ?? 'generation failed');
      }
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure prompt processing and generation tokens/s (median of repetitions), like llama-bench',
  usage,
  async run(argv, ctx) {
    const { values, positionals: pos } = parseCommandArgs(
      argv,
      {
        p: { type: 'string', short: 'p' },
        n: { type: 'string', short: 'n' },
        threads: { type: 'string', short: 't' },
        reps: { type: 'string', short: 'r' },
        batch: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    const [modelPath] = positionals(pos, 1, usage);
    const promptLen = intFlag(values.p, 'p', 128, 0);
    const genLen = intFlag(values.n, 'n', 64, 0);
    const threads = intFlag(values.threads, 'threads', 2, 1);
    const reps = intFlag(values.reps, 'reps', 3, 1);
    const batches = (values.batch as string).split(',').map((b) => intFlag(b.trim(), 'batch', 1, 1));
    if (promptLen === 0 && genLen === 0) throw new UsageError('nothing to measure: -p and -n are both 0');
    const maxBatch = Math.max(...batches);
    const local = await openLocalEngine(modelPath, {
      threads,
      maxSeqs: maxBatch,
      maxBatchedTokens: Math.max(2048, promptLen * maxBatch),
      maxModelLen: promptLen + genLen + 2,
      enablePrefixCaching: false,
    });
    const rows: BenchRow[] = [];
    try {
      const vocab = local.model.nVocab;
      await timeBatch(local.engine, 1, 8, 4, 0, vocab); // warm-up: page in weights, start threads
      let seed = 1;
      for (const batch of batches) {
        if (promptLen > 0) {
          const times: number[] = [];
          for (let r = 0; r < reps; r++) times.push(await timeBatch(local.engine, batch, promptLen, 1, seed++, vocab));
          rows.push({ test: `pp${promptLen}`, batch, tokens_per_s: (batch * promptLen) / median(times) });
        }
        if (genLen > 0) {
          const times: number[] = [];
          for (let r = 0; r < reps; r++) times.push(await timeBatch(local.engine, batch, 1, genLen, seed++, vocab));
          rows.push({ test: `tg${genLen}`, batch, tokens_per_s: (batch * genLen) / median(times) });
        }
      }
      const memory = {
        model_file_bytes: statSync(modelPath).size,
        kv_cache_bytes: local.model.kvCacheBytes,
        rss_bytes: process.memoryUsage().rss,
      };
      if (values.json) {
        ctx.stdout.write(JSON.stringify(rows) + '\n');
        ctx.stderr.write(JSON.stringify(memory) + '\n');
        return;
      }
      const mb = (b: number) => (b / 1048576).toFixed(1);
      ctx.stdout.write(
        table([['test', 'batch', 'tokens/s'], ...rows.map((r) => [r.test, String(r.batch), r.tokens_per_s.toFixed(1)])]) +
          `\n\nthreads ${threads}, median of ${reps}; model file ${mb(memory.model_file_bytes)} MiB (mapped), ` +
          `KV pool ${mb(memory.kv_cache_bytes)} MiB, process RSS ${mb(memory.rss_bytes)} MiB\n`,
      );
    } finally {
      local.close();
    }
  },
};
