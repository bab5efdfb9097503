import { buildForwardBatch } from '../batch';
import type { Scheduler, SchedulerOutput } from '../scheduler';
import type { Sequence } from '../sequence';
import type { FakePagedModel } from './fake-paged-model';

export interface RunStats {
  steps: number;
  /** Per step: KV slots allocated to running sequences but holding no token, and slots allocated. */
  wasteSamples: { idle: number; allocated: number }[];
  outputs: SchedulerOutput[];
}

/** Drives scheduler + fake model until every sequence has `maxTokens[id]` output tokens. */
export function runToCompletion(scheduler: Scheduler, model: FakePagedModel, maxTokens: Map<string, number>, maxSteps = 100_000): RunStats {
  const bs = scheduler.blockManager.blockSize;
  const stats: RunStats = { steps: 0, wasteSamples: [], outputs: [] };
  while (scheduler.hasWork) {
    if (++stats.steps > maxSteps) throw new Error('scheduler made no progress');
    const out = scheduler.schedule();
    stats.outputs.push(out);
    model.copyBlocks(out.copies);
    const batch = buildForwardBatch(out, bs);
    const next = model.forward(batch);
    scheduler.update(out, new Map(batch.logitSeqIds.map((id, i) => [id, next[i]])));
    let idle = 0;
    let allocated = 0;
    for (const seq of scheduler.running) {
      allocated += seq.blockTable.length * bs;
      idle += seq.blockTable.length * bs - seq.numComputedTokens;
    }
    stats.wasteSamples.push({ idle, allocated });
    for (const seq of [...scheduler.running]) {
      if (seq.numOutputTokens >= (maxTokens.get(seq.id) ?? 1)) scheduler.finish(seq);
    }
  }
  return stats;
}

/** The tokens a sequence must end with, generated one by one from the reference. */
export function expectedTokens(model: FakePagedModel, prompt: readonly number[], n: number): number[] {
  const tokens = [...prompt];
  for (let i = 0; i < n; i++) tokens.push(model.reference(tokens));
  return tokens;
}

export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomPrompt(rand: () => number, length: number, vocab = 1000): number[] {
  return Array.from({ length }, () => Math.floor(rand() * vocab));
}

export type { Sequence };
