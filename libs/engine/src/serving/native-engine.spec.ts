// The serving engine over a real native model (micro golden f32), one rank
// and two tensor-parallel ranks: continuous batching, preemption and
// copy-on-write forks must never change a greedy request's tokens. The same
// properties against a stand-in model are in llm-engine.spec.ts; here the
// paged KV cache, block copies and batched attention are the real ones.

import { randomPrompt, seededRandom } from '../core/test-utils/run-to-completion';
import { LlamaModel } from '../runtime/llama-model';
import { goldenModelPath } from '../runtime/test-utils/golden';
import { LLMEngine, type EngineConfig, type GenerateRequest } from './llm-engine';
import { NativeExecutor } from './native-executor';
import type { BlockCopy } from '../core/block-manager';
import type { TokenEvent } from './request-state';
import { FakeDetokenizer } from './test-utils/fake-executor';

const BLOCK = 8;
const POOL = 160; // blocks the model holds; engines may use fewer

/** Counts the block copies the engine asks for. */
class CountingExecutor extends NativeExecutor {
  copies: BlockCopy[] = [];
  override async copyBlocks(copies: BlockCopy[]): Promise<void> {
    this.copies.push(...copies);
    await super.copyBlocks(copies);
  }
}

function engineOn(model: LlamaModel, overrides: Partial<EngineConfig> = {}) {
  const executor = new CountingExecutor(model);
  const config: EngineConfig = { numBlocks: POOL, blockSize: BLOCK, maxModelLen: 256, eosTokenIds: [], maxNumBatchedTokens: 48, ...overrides };
  return { engine: new LLMEngine(executor, () => new FakeDetokenizer(), config), executor };
}

async function tokens(events: AsyncIterable<TokenEvent>, index = 0): Promise<number[]> {
  const out: number[] = [];
  for await (const e of events) {
    if (e.finishReason === 'error') throw new Error(e.error ?? 'generation failed');
    if (e.index === index && e.tokenId !== null) out.push(e.tokenId);
  }
  return out;
}

/**
 * 32 greedy requests: prompts of 1-40 tokens, 1-23 new tokens each. Every
 * sequence stays under 64 tokens: a prefill chunk of 64+ rows takes the
 * long-prefill attention roundings (attention.h), so a long prompt prefilled
 * whole when alone but in chunks when batched (or recomputed with its output
 * after a preemption) may legitimately differ in the last bits.
 */
function requests(vocab: number): GenerateRequest[] {
  const rand = seededRandom(5);
  return Array.from({ length: 32 }, (_, i) => ({
    id: `r${i}`,
    promptTokens: randomPrompt(rand, 1 + Math.floor(rand() * 40), vocab),
    params: { temperature: 0, maxTokens: 1 + Math.floor(rand() * 23), ignoreEos: true },
  }));
}

describe.each([1, 2])('LLMEngine on micro-f32 with tensorParallel %i', (tensorParallel) => {
  let model: LlamaModel;
  let reqs: GenerateRequest[];
  let alone: number[][];
  beforeAll(async () => {
    model = await LlamaModel.load(goldenModelPath('f32'), { threads: 2, kvBlocks: POOL, blockSize: BLOCK, tensorParallel });
    reqs = requests(model.nVocab);
    // Each request by itself in a fresh engine (no prefix cache to share).
    alone = [];
    for (const r of reqs) alone.push(await tokens(engineOn(model, { enablePrefixCaching: false }).engine.generate(r)));
  });
  afterAll(() => model.close());

  it('gives 32 concurrent greedy requests of mixed lengths the tokens each gets alone', async () => {
    const { engine } = engineOn(model);
    const together = await Promise.all(reqs.map((r) => tokens(engine.generate(r))));
    expect(together).toEqual(alone);
    together.forEach((t, i) => expect(t).toHaveLength(reqs[i].params!.maxTokens!));
    expect(engine.stats().numPreemptions).toBe(0);
    expect(engine.scheduler.blockManager.numFreeBlocks).toBe(POOL);
  });

  it('preempts on a tiny KV pool and still completes every request with the same tokens', async () => {
    const { engine } = engineOn(model, { numBlocks: 12 }); // 96 tokens; the longest request needs 63
    const together = await Promise.all(reqs.map((r) => tokens(engine.generate(r))));
    expect(engine.stats().numPreemptions).toBeGreaterThan(0);
    expect(together).toEqual(alone);
    expect(engine.scheduler.blockManager.numFreeBlocks).toBe(12);
  });

  it('computes a system prompt shared by a burst once and gives each request the tokens it gets alone', async () => {
    const rand = seededRandom(21);
    const system = randomPrompt(rand, 3 * BLOCK, model.nVocab);
    const burst: GenerateRequest[] = Array.from({ length: 6 }, (_, i) => ({
      id: `b${i}`,
      promptTokens: [...system, ...randomPrompt(rand, 2 + i, model.nVocab)],
      params: { temperature: 0, maxTokens: 8, ignoreEos: true },
    }));
    const single: number[][] = [];
    for (const r of burst) single.push(await tokens(engineOn(model, { enablePrefixCaching: false }).engine.generate(r)));
    const { engine } = engineOn(model);
    expect(await Promise.all(burst.map((r) => tokens(engine.generate(r))))).toEqual(single);
    // One request computed the system prompt; the other five read its blocks.
    expect(engine.stats()).toMatchObject({ prefixQueries: 6, prefixHits: 5, prefixHitTokens: 5 * 3 * BLOCK });
    expect(engine.scheduler.blockManager.numFreeBlocks).toBe(POOL);
  });

  it('forks n=2 completions from one prefill with real KV block copies', async () => {
    // 13 prompt tokens: the last block is partial, so each fork's first write copies it.
    const prompt = randomPrompt(seededRandom(9), 13, model.nVocab);
    const single = await tokens(engineOn(model).engine.generate({ id: 'one', promptTokens: prompt, params: { temperature: 0, maxTokens: 10, ignoreEos: true } }));
    const { engine, executor } = engineOn(model);
    const events: TokenEvent[] = [];
    for await (const e of engine.generate({ id: 'two', promptTokens: prompt, params: { temperature: 0, n: 2, maxTokens: 10, ignoreEos: true } })) events.push(e);
    const of = (i: number) => events.filter((e) => e.index === i && e.tokenId !== null).map((e) => e.tokenId);
    expect(executor.copies.length).toBeGreaterThan(0);
    // Greedy: both completions continue exactly as the single request, which
    // only holds if the copied block carries the prompt's keys and values.
    expect(of(0)).toEqual(single);
    expect(of(1)).toEqual(single);
    expect(engine.scheduler.blockManager.numFreeBlocks).toBe(POOL);
  });
});

/** Aborts `victim` while the `at`-th fused step is in flight, and counts the calls. */
class AbortMidStep extends NativeExecutor {
  engine?: LLMEngine;
  fused = 0;
  plain = 0;
  constructor(model: LlamaModel, private readonly victim: string, private readonly at: number) {
    super(model);
  }
  override async forward(batch: Parameters<NativeExecutor['forward']>[0]): Promise<Float32Array> {
    this.plain++;
    return super.forward(batch);
  }
  override async forwardAndSample(...args: Parameters<NativeExecutor['forwardAndSample']>) {
    const result = super.forwardAndSample(...args);
    if (++this.fused === this.at) this.engine!.abort(this.victim);
    return result;
  }
}

describe('LLMEngine steps that forward and sample in one native call', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await LlamaModel.load(goldenModelPath('f32'), { threads: 2, kvBlocks: POOL, blockSize: BLOCK });
  });
  afterAll(() => model.close());

  it('drops the draw of a request aborted while its step runs and leaves the others as they were', async () => {
    const rand = seededRandom(33);
    const keep: GenerateRequest = { id: 'keep', promptTokens: randomPrompt(rand, 9, model.nVocab), params: { temperature: 0, maxTokens: 12, ignoreEos: true } };
    const victim: GenerateRequest = { id: 'victim', promptTokens: randomPrompt(rand, 5, model.nVocab), params: { temperature: 0, maxTokens: 12, ignoreEos: true } };
    const alone = await tokens(engineOn(model, { enablePrefixCaching: false }).engine.generate(keep));
    const executor = new AbortMidStep(model, 'victim', 4);
    const config: EngineConfig = { numBlocks: POOL, blockSize: BLOCK, maxModelLen: 256, eosTokenIds: [], maxNumBatchedTokens: 48 };
    const engine = new LLMEngine(executor, () => new FakeDetokenizer(), config);
    executor.engine = engine;
    const victimEvents: TokenEvent[] = [];
    const [kept] = await Promise.all([
      tokens(engine.generate(keep)),
      (async () => {
        for await (const e of engine.generate(victim)) victimEvents.push(e);
      })(),
    ]);
    expect(kept).toEqual(alone);
    // Steps 1-3 gave it a token each; step 4's draw, made while it was aborted, is dropped.
    expect(victimEvents.filter((e) => e.tokenId !== null)).toHaveLength(3);
    expect(victimEvents.at(-1)?.finishReason).toBe('abort');
    // Every step with a draw went through the fused call.
    expect(executor.fused).toBeGreaterThanOrEqual(12);
    expect(executor.plain).toBe(0);
    expect(engine.scheduler.blockManager.numFreeBlocks).toBe(POOL);
  });
});
