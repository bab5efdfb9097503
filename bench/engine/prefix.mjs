// Prefix caching: requests that share a long system prompt and differ in a
// short suffix, with the engine's prefix cache on and off. With it on, every
// request after the first finds the system prompt's full KV blocks cached and
// computes only its own suffix, so its time to first token (arrival to the
// first sampled token, the engine's own metric) is mostly prompt processing
// saved. The engine's hit counters show how many prompt tokens were served
// from cache. Two phases on a fresh engine: a burst of requests arriving at
// once with a system prompt nobody computed yet (the scheduler lets one of
// them compute it and the rest take it from cache a step later), then
// requests one at a time with another system prompt (each TTFT is then its
// prompt processing alone; the first finds nothing cached).

/** Deterministic pseudo-random token ids (xorshift), away from the special tokens at the start of the vocabulary. */
function tokens(count, seed, nVocab) {
  let x = (seed * 2654435761) >>> 0 || 1;
  return Array.from({ length: count }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return 256 + (x % (nVocab - 256));
  });
}

/** Runs one request to completion; returns its finish metrics. */
async function complete(engine, id, promptTokens, genLen) {
  let metrics;
  for await (const event of engine.generate({ id, promptTokens, params: { maxTokens: genLen, temperature: 0, ignoreEos: true } })) {
    if (event.finishReason === 'error') throw new Error(event.error ?? 'generation failed');
    if (event.metrics) metrics = event.metrics;
  }
  return metrics;
}

/**
 * One engine (caching on or off): a cold burst of `requests` requests, then
 * `requests` requests one at a time with another system prompt. Returns
 * per-phase TTFTs, wall times and the engine's prefix counters.
 */
export async function measurePrefix(openEngine, caching, { systemLen, suffixLen, genLen, requests, median }) {
  const local = await openEngine({ enablePrefixCaching: caching, maxSeqs: requests, maxModelLen: systemLen + suffixLen + genLen + 8 });
  try {
    const nVocab = local.model.nVocab;
    const prompter = (seed) => {
      const system = tokens(systemLen, seed, nVocab);
      return (i) => [...system, ...tokens(suffixLen, seed * 1000 + i, nVocab)];
    };
    const warmUp = tokens(systemLen + suffixLen, 99, nVocab); // unrelated prompt: pages, threads, JIT
    await complete(local.engine, `prefix-warm-${caching}`, warmUp, genLen);
    const before = local.engine.stats();

    const burstPrompt = prompter(1);
    const t0 = performance.now();
    const burst = await Promise.all(
      Array.from({ length: requests }, (_, i) => complete(local.engine, `prefix-burst-${caching}-${i}`, burstPrompt(i), genLen)),
    );
    const burstSeconds = (performance.now() - t0) / 1000;

    const sequentialPrompt = prompter(2);
    const sequential = [];
    const t1 = performance.now();
    for (let i = 0; i < requests; i++) sequential.push(await complete(local.engine, `prefix-seq-${caching}-${i}`, sequentialPrompt(i), genLen));
    const sequentialSeconds = (performance.now() - t1) / 1000;

    const after = local.engine.stats();
    const all = [...burst, ...sequential];
    const promptTokens = all.reduce((n, m) => n + m.numPromptTokens, 0);
    const cachedTokens = all.reduce((n, m) => n + m.numCachedTokens, 0);
    return {
      caching,
      burst_ttft_ms: median(burst.map((m) => m.timeToFirstTokenMs)),
      burst_seconds: burstSeconds,
      first_ttft_ms: sequential[0].timeToFirstTokenMs,
      later_ttft_ms: median(sequential.slice(1).map((m) => m.timeToFirstTokenMs)),
      sequential_seconds: sequentialSeconds,
      prompt_tokens: promptTokens,
      cached_prompt_tokens: cachedTokens,
      computed_prompt_tokens: promptTokens - cachedTokens,
      counters: {
        prefix_queries: after.prefixQueries - before.prefixQueries,
        prefix_hits: after.prefixHits - before.prefixHits,
        prefix_queried_tokens: after.prefixQueriedTokens - before.prefixQueriedTokens,
        prefix_hit_tokens: after.prefixHitTokens - before.prefixHitTokens,
      },
    };
  } finally {
    local.close();
  }
}
