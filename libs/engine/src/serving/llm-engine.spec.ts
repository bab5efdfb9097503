import { randomPrompt, seededRandom } from '../core/test-utils/run-to-completion';
import { LLMEngine, type EngineConfig, type GenerateRequest } from './llm-engine';
import type { TokenEvent } from './request-state';
import { FakeDetokenizer, FakeExecutor } from './test-utils/fake-executor';

function makeEngine(overrides: Partial<EngineConfig> = {}, vocab = 64) {
  const config: EngineConfig = { numBlocks: 256, blockSize: 8, maxModelLen: 512, eosTokenIds: [], maxNumBatchedTokens: 64, ...overrides };
  const executor = new FakeExecutor(config.numBlocks, config.blockSize ?? 16, vocab);
  const engine = new LLMEngine(executor, () => new FakeDetokenizer(), config);
  return { engine, executor };
}

async function collect(events: AsyncIterable<TokenEvent>): Promise<TokenEvent[]> {
  const out: TokenEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const tokensOf = (events: TokenEvent[], index = 0) => events.filter((e) => e.index === index && e.tokenId !== null).map((e) => e.tokenId);
const finishOf = (events: TokenEvent[], index = 0) => events.find((e) => e.index === index && e.finishReason)!;

describe('LLMEngine', () => {
  it('gives 32 concurrent greedy requests the same tokens as running each alone', async () => {
    const rand = seededRandom(11);
    const reqs: GenerateRequest[] = Array.from({ length: 32 }, (_, i) => ({
      id: `r${i}`,
      promptTokens: randomPrompt(rand, 1 + Math.floor(rand() * 90), 60),
      params: { temperature: 0, maxTokens: 1 + Math.floor(rand() * 30) },
    }));
    const { engine } = makeEngine({ numBlocks: 40 });
    const together = await Promise.all(reqs.map((r) => collect(engine.generate(r))));
    for (let i = 0; i < reqs.length; i++) {
      const alone = await collect(makeEngine().engine.generate(reqs[i]));
      expect(tokensOf(together[i])).toEqual(tokensOf(alone));
      expect(tokensOf(together[i])).toHaveLength(reqs[i].params!.maxTokens!);
      expect(finishOf(together[i], 0).finishReason).toBe('length');
    }
    expect(engine.stats().running).toBe(0);
    expect(engine.stats().numPreemptions).toBeGreaterThan(0);
    expect(engine.scheduler.blockManager.numFreeBlocks).toBe(40);
  });

  it('ends on an EOS token without emitting its text', async () => {
    const { engine, executor } = makeEngine();
    const prompt = [1, 2, 3];
    // Find what greedy produces first, then declare it EOS.
    const first = tokensOf(await collect(engine.generate({ id: 'probe', promptTokens: prompt, params: { temperature: 0, maxTokens: 1 } })))[0]!;
    const { engine: e2 } = makeEngine({ eosTokenIds: [first] });
    const events = await collect(e2.generate({ id: 'a', promptTokens: prompt, params: { temperature: 0, maxTokens: 10 } }));
    expect(tokensOf(events)).toEqual([first]);
    expect(finishOf(events).finishReason).toBe('stop');
    expect(events.map((e) => e.text).join('')).toBe('');
    expect(executor.forwards).toBeGreaterThan(0);
  });

  it('cuts the stream at a stop string spread over several tokens and never shows part of it', async () => {
    const { engine } = makeEngine({}, 64);
    const events = await collect(engine.generate({ id: 's', promptTokens: [5], params: { temperature: 1.5, seed: 3, maxTokens: 200, stop: ['CAB'] } }));
    const text = events.map((e) => e.text).join('');
    const detok = new FakeDetokenizer();
    const raw = tokensOf(events).map((t) => detok.push(t!)).join('');
    expect(finishOf(events).finishReason).toBe('stop');
    expect(raw.endsWith('CAB')).toBe(true);
    expect(text).toBe(raw.slice(0, raw.indexOf('CAB')));
  });

  it('reproduces sampled output with the same seed and differs with another', async () => {
    const req = (seed: number): GenerateRequest => ({ id: `x${seed}`, promptTokens: [9, 8, 7], params: { temperature: 1.2, seed, maxTokens: 20 } });
    const a = tokensOf(await collect(makeEngine().engine.generate(req(1))));
    const b = tokensOf(await collect(makeEngine().engine.generate(req(1))));
    const c = tokensOf(await collect(makeEngine().engine.generate(req(2))));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('runs n=3 parallel samples from one prefill, sharing blocks with copy-on-write', async () => {
    const { engine, executor } = makeEngine();
    const prompt = Array.from({ length: 13 }, (_, i) => i); // 13 % 8 != 0: a shared partial block
    const events = await collect(engine.generate({ id: 'n', promptTokens: prompt, params: { temperature: 1, seed: 5, n: 3, maxTokens: 6, logprobs: 2 } }));
    const outs = [0, 1, 2].map((i) => tokensOf(events, i));
    outs.forEach((o) => expect(o).toHaveLength(6));
    expect(new Set(outs.map((o) => o.join(','))).size).toBeGreaterThan(1);
    expect(executor.copies.length).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.finishReason).map((e) => e.index).sort()).toEqual([0, 1, 2]);
    expect(events.find((e) => e.tokenId !== null)!.top).toHaveLength(2);
    expect(engine.scheduler.blockManager.numFreeBlocks).toBe(256);
  });

  it('aborts a running request at once, freeing its blocks', async () => {
    const { engine, executor } = makeEngine();
    executor.delayMs = 5;
    const events: TokenEvent[] = [];
    const stream = engine.generate({ id: 'long', promptTokens: [1, 2, 3], params: { temperature: 0, maxTokens: 400 } });
    for await (const e of stream) {
      events.push(e);
      if (events.length === 3) expect(engine.abort('long')).toBe(true);
    }
    expect(finishOf(events).finishReason).toBe('abort');
    expect(tokensOf(events).length).toBeLessThan(10);
    expect(engine.scheduler.blockManager.numFreeBlocks).toBe(256);
    expect(engine.abort('long')).toBe(false);
  });

  it('ends the requests of a failed step with an error event and keeps serving', async () => {
    const { engine, executor } = makeEngine();
    executor.failNextForward = new Error('device lost');
    const failed = await collect(engine.generate({ id: 'f', promptTokens: [1], params: { temperature: 0, maxTokens: 4 } }));
    expect(finishOf(failed)).toMatchObject({ finishReason: 'error', error: 'device lost' });
    const ok = await collect(engine.generate({ id: 'g', promptTokens: [1], params: { temperature: 0, maxTokens: 4 } }));
    expect(tokensOf(ok)).toHaveLength(4);
  });

  it('rejects bad requests with typed errors', () => {
    const { engine } = makeEngine({ maxModelLen: 16 });
    expect(() => engine.generate({ id: 'a', promptTokens: [] })).toThrow(/no tokens/);
    expect(() => engine.generate({ id: 'b', promptTokens: Array(16).fill(1) })).toThrow(expect.objectContaining({ code: 'ECONTEXT' }));
    expect(() => engine.generate({ id: 'c', promptTokens: [999] })).toThrow(/vocabulary size/);
    expect(() => engine.generate({ id: 'd', promptTokens: [1], params: { topP: 0 } })).toThrow(/top_p/);
    expect(() => engine.generate({ id: 'e', promptTokens: [1], params: { n: 0 } })).toThrow(/\bn\b/);
  });

  it('caps output at the context length and reports per-request metrics', async () => {
    const { engine } = makeEngine({ maxModelLen: 20 });
    const events = await collect(engine.generate({ id: 'm', promptTokens: Array(15).fill(2), params: { temperature: 0, maxTokens: 100 } }));
    expect(tokensOf(events)).toHaveLength(5);
    const f = finishOf(events);
    expect(f.finishReason).toBe('length');
    expect(f.metrics).toMatchObject({ numPromptTokens: 15, numOutputTokens: 5 });
    expect(f.metrics!.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(f.metrics!.e2eLatencyMs).toBeGreaterThanOrEqual(f.metrics!.timeToFirstTokenMs);
  });

  it('reports the prompt tokens served from the prefix cache in the finish metrics', async () => {
    const { engine } = makeEngine();
    const prompt = Array.from({ length: 30 }, (_, i) => 1 + (i % 50));
    const first = finishOf(await collect(engine.generate({ id: 'p1', promptTokens: prompt, params: { temperature: 0, maxTokens: 2 } })));
    const second = finishOf(await collect(engine.generate({ id: 'p2', promptTokens: prompt, params: { temperature: 0, maxTokens: 2 } })));
    expect(first.metrics!.numCachedTokens).toBe(0);
    // 30 tokens in blocks of 8: the three full blocks (24 tokens) are reused.
    expect(second.metrics!.numCachedTokens).toBe(24);
  });
});
