import { BlockManager } from './block-manager';
import { Scheduler } from './scheduler';
import { Sequence } from './sequence';
import { FakePagedModel } from './test-utils/fake-paged-model';
import { expectedTokens, randomPrompt, runToCompletion, seededRandom } from './test-utils/run-to-completion';

function setup(numBlocks: number, opts: Partial<{ maxNumSeqs: number; maxNumBatchedTokens: number; chunked: boolean; blockSize: number; prefix: boolean }> = {}) {
  const blockSize = opts.blockSize ?? 16;
  const bm = new BlockManager({ numBlocks, blockSize, enablePrefixCaching: opts.prefix ?? true });
  const scheduler = new Scheduler(
    { maxNumSeqs: opts.maxNumSeqs ?? 64, maxNumBatchedTokens: opts.maxNumBatchedTokens ?? 512, enableChunkedPrefill: opts.chunked ?? true },
    bm,
  );
  return { bm, scheduler, model: new FakePagedModel(numBlocks, blockSize) };
}

describe('Scheduler', () => {
  it('serves running decodes before admitting new prompts, within the token budget', () => {
    const { scheduler } = setup(100, { maxNumBatchedTokens: 20 });
    const a = new Sequence('a', Array(10).fill(1));
    scheduler.add(a);
    let out = scheduler.schedule();
    expect(out.scheduled.map((s) => [s.seq.id, s.numNewTokens, s.sample])).toEqual([['a', 10, true]]);
    scheduler.update(out, new Map([['a', 5]]));
    scheduler.add(new Sequence('b', Array(30).fill(2)));
    out = scheduler.schedule();
    // a decodes 1 token; b gets the remaining 19 of the budget as a first chunk.
    expect(out.scheduled.map((s) => [s.seq.id, s.start, s.numNewTokens, s.sample])).toEqual([
      ['a', 10, 1, true],
      ['b', 0, 19, false],
    ]);
    expect(out.numBatchedTokens).toBe(20);
  });

  it('caps the number of running sequences', () => {
    const { scheduler } = setup(100, { maxNumSeqs: 2 });
    for (const id of ['a', 'b', 'c']) scheduler.add(new Sequence(id, [1, 2, 3]));
    const out = scheduler.schedule();
    expect(out.scheduled.map((s) => s.seq.id)).toEqual(['a', 'b']);
    expect(scheduler.waiting.map((s) => s.id)).toEqual(['c']);
  });

  it('admits by priority, then arrival', () => {
    const { scheduler } = setup(100, { maxNumSeqs: 1 });
    scheduler.add(new Sequence('low', [1]));
    scheduler.add(new Sequence('high', [1], { priority: 5 }));
    scheduler.add(new Sequence('low2', [1]));
    expect(scheduler.waiting.map((s) => s.id)).toEqual(['high', 'low', 'low2']);
  });

  it('rejects a prompt larger than the whole pool', () => {
    const { scheduler } = setup(2, { blockSize: 4 });
    expect(() => scheduler.add(new Sequence('big', Array(9).fill(0)))).toThrow(/needs 3 KV blocks/);
  });

  it('gives 32 mixed requests the same tokens as running each alone', () => {
    const rand = seededRandom(1);
    const reqs = Array.from({ length: 32 }, (_, i) => ({
      id: `r${i}`,
      prompt: randomPrompt(rand, 1 + Math.floor(rand() * 120)),
      max: 1 + Math.floor(rand() * 40),
    }));
    const { scheduler, model } = setup(400, { maxNumBatchedTokens: 64 });
    const seqs = reqs.map((r) => new Sequence(r.id, r.prompt));
    seqs.forEach((s) => scheduler.add(s));
    runToCompletion(scheduler, model, new Map(reqs.map((r) => [r.id, r.max])));
    reqs.forEach((r, i) => expect(seqs[i].tokenIds).toEqual(expectedTokens(model, r.prompt, r.max)));
  });

  it('preempts and recomputes when blocks run out, and every request still completes correctly', () => {
    const rand = seededRandom(2);
    const reqs = Array.from({ length: 24 }, (_, i) => ({ id: `r${i}`, prompt: randomPrompt(rand, 20 + Math.floor(rand() * 60)), max: 30 + Math.floor(rand() * 30) }));
    const { scheduler, model } = setup(24, { maxNumBatchedTokens: 256, blockSize: 8 });
    const seqs = reqs.map((r) => new Sequence(r.id, r.prompt));
    seqs.forEach((s) => scheduler.add(s));
    runToCompletion(scheduler, model, new Map(reqs.map((r) => [r.id, r.max])));
    expect(scheduler.numPreemptions).toBeGreaterThan(0);
    reqs.forEach((r, i) => expect(seqs[i].tokenIds).toEqual(expectedTokens(model, r.prompt, r.max)));
  });

  it('keeps KV waste (allocated slots holding no token) under 4% over 200 random requests', () => {
    const rand = seededRandom(3);
    const reqs = Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, prompt: randomPrompt(rand, 16 + Math.floor(rand() * 500)), max: 16 + Math.floor(rand() * 400) }));
    const { scheduler, model } = setup(4000, { maxNumBatchedTokens: 2048, maxNumSeqs: 64 });
    const seqs = reqs.map((r) => new Sequence(r.id, r.prompt));
    seqs.forEach((s) => scheduler.add(s));
    const stats = runToCompletion(scheduler, model, new Map(reqs.map((r) => [r.id, r.max])));
    const idle = stats.wasteSamples.reduce((n, s) => n + s.idle, 0);
    const allocated = stats.wasteSamples.reduce((n, s) => n + s.allocated, 0);
    expect(idle / allocated).toBeLessThan(0.04);
    expect(idle).toBeGreaterThan(0); // partially filled last blocks exist: the measure measures something
    reqs.slice(0, 10).forEach((r, i) => expect(seqs[i].tokenIds).toEqual(expectedTokens(model, r.prompt, r.max)));
  });

  it('reuses a shared system prompt from the prefix cache and computes fewer tokens', () => {
    const rand = seededRandom(4);
    const system = randomPrompt(rand, 256);
    const reqs = Array.from({ length: 8 }, (_, i) => ({ id: `r${i}`, prompt: [...system, ...randomPrompt(rand, 10 + i)], max: 5 }));
    const run = (prefix: boolean) => {
      const { scheduler, model, bm } = setup(400, { prefix });
      const seqs = reqs.map((r) => new Sequence(r.id, r.prompt));
      // Arrive one after another so later requests can hit blocks cached by earlier ones.
      let computed = 0;
      for (const s of seqs) {
        scheduler.add(s);
        const stats = runToCompletion(scheduler, model, new Map(reqs.map((r) => [r.id, r.max])));
        computed += stats.outputs.reduce((n, o) => n + o.numBatchedTokens, 0);
      }
      reqs.forEach((r, i) => expect(seqs[i].tokenIds).toEqual(expectedTokens(model, r.prompt, r.max)));
      return { computed, hits: bm.numPrefixHits, hitTokens: bm.numPrefixHitTokens };
    };
    const cold = run(false);
    const warm = run(true);
    expect(cold.hits).toBe(0);
    expect(warm.hits).toBe(7);
    expect(warm.hitTokens).toBe(7 * 256);
    expect(cold.computed - warm.computed).toBe(7 * 256);
  });

  it('holds back a burst sharing an uncached prefix for one step, then serves it from cache', () => {
    const rand = seededRandom(9);
    const system = randomPrompt(rand, 64); // 4 full blocks
    const burst = Array.from({ length: 4 }, (_, i) => ({ id: `s${i}`, prompt: [...system, ...randomPrompt(rand, 5 + i)], max: 3 }));
    const other = { id: 'x', prompt: randomPrompt(rand, 20), max: 3 }; // shares nothing: never held back
    const run = (prefix: boolean) => {
      const { scheduler, model, bm } = setup(100, { prefix });
      const reqs = [...burst.slice(0, 2), other, ...burst.slice(2)];
      const seqs = reqs.map((r) => new Sequence(r.id, r.prompt));
      for (const s of seqs) scheduler.add(s);
      const stats = runToCompletion(scheduler, model, new Map(reqs.map((r) => [r.id, r.max])));
      reqs.forEach((r, i) => expect(seqs[i].tokenIds).toEqual(expectedTokens(model, r.prompt, r.max)));
      const firstStep = stats.outputs[0].scheduled.map((e) => e.seq.id);
      const secondStep = stats.outputs[1].scheduled.map((e) => [e.seq.id, e.start, e.numNewTokens]);
      const computed = stats.outputs.reduce((n, o) => n + o.numBatchedTokens, 0);
      return { firstStep, secondStep, computed, hits: bm.numPrefixHits, queries: bm.numPrefixQueries, hitTokens: bm.numPrefixHitTokens };
    };
    const off = run(false);
    expect(off.firstStep).toEqual(['s0', 's1', 'x', 's2', 's3']);
    const on = run(true);
    // s0 computes the system prompt; s1..s3 wait while x, which shares nothing, goes ahead.
    expect(on.firstStep).toEqual(['s0', 'x']);
    // Next step they start after the 64 cached tokens (s0 and x decode first).
    expect(on.secondStep).toEqual([
      ['s0', 69, 1],
      ['x', 20, 1],
      ['s1', 64, 6],
      ['s2', 64, 7],
      ['s3', 64, 8],
    ]);
    expect(on.hits).toBe(3);
    expect(on.queries).toBe(5); // each sequence counted once, however long it waited
    expect(on.hitTokens).toBe(3 * 64);
    expect(off.computed - on.computed).toBe(3 * 64);
  });

  it('frees everything when a sequence is finished early (abort)', () => {
    const { scheduler, bm } = setup(50);
    const a = new Sequence('a', Array(40).fill(3));
    scheduler.add(a);
    scheduler.schedule();
    expect(bm.numFreeBlocks).toBe(47);
    expect(scheduler.finish(a)).toBe(true);
    expect(bm.numFreeBlocks).toBe(50);
    expect(scheduler.hasWork).toBe(false);
    expect(scheduler.finish(a)).toBe(false);
  });
});
