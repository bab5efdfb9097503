// Aggregate generation tokens/s of the whole engine with N concurrent streams.
// Each stream has a 1-token prompt and generates `genLen` tokens greedily
// with EOS ignored, so a run is genLen steps of N decode tokens (the first
// step prefills the N one-token prompts, which costs the same as a decode).

/** Runs `n` streams at once to completion; returns seconds of wall time and of CPU (all threads). */
async function timeStreams(local, n, genLen, seed) {
  const cpu0 = process.cpuUsage();
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
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

/**
 * Median aggregate tokens/s per stream count. Repetitions of the stream
 * counts are interleaved (1, 4, 16, 1, 4, 16, ...) so a burst of load from
 * others on the shared cores spreads over all rows instead of one.
 */
export async function measureThroughput(local, { streamCounts, genLen, reps, median }) {
  await timeStreams(local, Math.max(...streamCounts), genLen, 0); // warm-up: pages, threads, JIT
  const preemptionsBefore = local.engine.stats().numPreemptions;
  const times = new Map(streamCounts.map((n) => [n, []]));
  const cpu = new Map(streamCounts.map((n) => [n, []]));
  let seed = 1;
  for (let r = 0; r < reps; r++) {
    for (const n of streamCounts) {
      console.error(`[bench] rep ${r + 1}/${reps}: ${n} stream(s) x ${genLen} tokens`);
      const t = await timeStreams(local, n, genLen, seed++);
      times.get(n).push(t.wall);
      cpu.get(n).push(t.cpu);
    }
  }
  // A preemption would recompute a stream's tokens: the figures would understate the engine.
  const preemptions = local.engine.stats().numPreemptions - preemptionsBefore;
  if (preemptions > 0) console.error(`[bench] warning: ${preemptions} preemptions (KV pool too small for the streams)`);
  return streamCounts.map((n) => ({
    streams: n,
    tokens_per_s: (n * genLen) / median(times.get(n)),
    seconds: times.get(n),
    // CPU time per token swings less than wall time when others load the
    // cores (though threads that spin while waiting still inflate it).
    cpu_ms_per_token: (1000 * median(cpu.get(n))) / (n * genLen),
    cpu_seconds: cpu.get(n),
  }));
}
