import { LlamaModel } from './llama-model';
import { sequenceBatch } from './generate-greedy';
import { RuntimeError } from './errors';
import { goldenModelPath } from './test-utils/golden';

describe('LlamaModel', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await LlamaModel.load(goldenModelPath('Q8_0'), { threads: 2, kvBlocks: 8, blockSize: 16 });
  });
  afterAll(() => model.close());

  it('reads the hyper-parameters of the file', () => {
    expect(model.hparams).toMatchObject({ nLayer: 2, nEmbd: 256, nHead: 4, nHeadKv: 2, headDim: 64, nFf: 512, nVocab: 512 });
    // 8 blocks x 16 tokens x 2 layers x 2 kv heads x 64 dims x K,V x 2 bytes
    expect(model.kvCacheBytes).toBe(8 * 16 * 2 * 2 * 64 * 2 * 2);
  });

  it('returns one row of n_vocab finite logits per requested row', async () => {
    const batch = sequenceBatch(model, [510, 72, 101], 0, 0);
    batch.logitRows = Int32Array.of(0, 2, 2);
    const logits = await model.forward(batch);
    expect(logits.length).toBe(3 * 512);
    expect(logits.every(Number.isFinite)).toBe(true);
    expect(logits.subarray(512, 1024)).toEqual(logits.subarray(1024));
    expect(logits.subarray(0, 512)).not.toEqual(logits.subarray(512, 1024));
  });

  it('writes the logits into a caller-owned array when given one, the same values as a fresh array', async () => {
    const batch = () => {
      const b = sequenceBatch(model, [510, 72, 101], 0, 0);
      b.logitRows = Int32Array.of(2, 0);
      return b;
    };
    const fresh = await model.forward(batch());
    // Longer than needed: the result is a view of its first 2 x n_vocab floats.
    const into = new Float32Array(3 * 512).fill(-7);
    const out = await model.forward(batch(), into);
    expect(out.buffer).toBe(into.buffer);
    expect(out.byteOffset).toBe(0);
    expect(out).toEqual(fresh);
    expect(into.subarray(1024).every((v) => v === -7)).toBe(true);
    // Exactly the size: the array itself, reused step after step.
    const row = new Float32Array(512);
    const first = await model.forward(sequenceBatch(model, [65], 0, 0), row);
    expect(first).toBe(row);
    const copy = Float32Array.from(first);
    const second = await model.forward(sequenceBatch(model, [66], 0, 1), row);
    expect(second).toBe(row);
    expect(second).not.toEqual(copy);
    expect(second).toEqual(await model.forward(sequenceBatch(model, [66], 0, 1)));
    // A previous step's own result (an array the addon made) serves as well.
    const made = await model.forward(sequenceBatch(model, [67], 0, 2));
    const again = await model.forward(sequenceBatch(model, [68], 0, 3), made);
    expect(again).toBe(made);
    expect(Array.from(again)).toEqual(Array.from(await model.forward(sequenceBatch(model, [68], 0, 3))));
  });

  it('refuses an output array that is too small or of the wrong type, in the wrapper and in the addon', async () => {
    const b = () => sequenceBatch(model, [510, 72], 0, 0);
    await expect(model.forward(b(), new Float32Array(511))).rejects.toMatchObject({ name: 'RuntimeError', code: 'EINVAL' });
    await expect(model.forward(b(), new Float64Array(512) as unknown as Float32Array)).rejects.toMatchObject({ code: 'EINVAL' });
    // A direct caller of the addon gets a typed error, not a write past the end.
    const handle = (model as unknown as { handle: { forward(b: unknown, into?: unknown): Promise<Float32Array> } }).handle;
    expect(() => handle.forward(b(), new Float32Array(100))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => handle.forward(b(), [1, 2, 3])).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    await expect(model.forward(b())).resolves.toHaveLength(512);
  });

  it('rejects inconsistent batches before running them', async () => {
    const good = () => sequenceBatch(model, [510, 72, 101], 0, 0);
    const cases: [string, (b: ReturnType<typeof good>) => void][] = [
      ['token out of range', (b) => (b.tokens[1] = 512)],
      ['slot that disagrees with the block table', (b) => (b.slotMapping[2] = 40)],
      ['position beyond the sequence length', (b) => (b.positions[2] = 7)],
      ['block outside the pool', (b) => (b.blockTables[0] = 8)],
      ['logit row that is not a token', (b) => (b.logitRows = Int32Array.of(3))],
      ['seqStarts not ending at the token count', (b) => (b.seqStarts = Int32Array.of(0, 2))],
    ];
    for (const [what, mutate] of cases) {
      const b = good();
      mutate(b);
      await expect(model.forward(b)).rejects.toMatchObject({ name: 'RuntimeError', code: 'EBADBATCH' });
      void what;
    }
    const b = good();
    (b as unknown as { tokens: number[] }).tokens = [510, 72, 101];
    await expect(model.forward(b)).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('runs one forward at a time and never blocks the event loop', async () => {
    const first = model.forward(sequenceBatch(model, Array(100).fill(65), 0, 0));
    await expect(model.forward(sequenceBatch(model, [65], 0, 7))).rejects.toMatchObject({ code: 'EBUSY' });
    await first;
    // A timer fires while a forward is in flight: the work runs off the JS
    // thread. Back-to-back forwards leave no gap for timers otherwise, so
    // this holds however fast a forward is.
    let inFlight = false;
    let ticksInFlight = 0;
    const timer = setInterval(() => (ticksInFlight += inFlight ? 1 : 0), 0);
    for (let i = 0; i < 2000 && ticksInFlight === 0; i++) {
      inFlight = true;
      await model.forward(sequenceBatch(model, Array(100).fill(65), 0, 0));
      inFlight = false;
    }
    clearInterval(timer);
    expect(ticksInFlight).toBeGreaterThan(0);
    await expect(model.forward(sequenceBatch(model, [65], 0, 7))).resolves.toHaveLength(512);
  });

  it('fails to load what it cannot run, with typed errors', async () => {
    await expect(LlamaModel.load('/nonexistent/model.gguf')).rejects.toThrow(/nonexistent/);
    await expect(LlamaModel.load(goldenModelPath('Q8_0'), { threads: 0 })).rejects.toBeInstanceOf(RuntimeError);
    await expect(LlamaModel.load(goldenModelPath('Q8_0'), { kvBlocks: 1.5 })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('refuses work after close', async () => {
    const m = await LlamaModel.load(goldenModelPath('Q8_0'), { threads: 1, kvBlocks: 2 });
    m.close();
    await expect(m.forward(sequenceBatch(m, [1], 0, 0))).rejects.toMatchObject({ code: 'ECLOSED' });
  });
});

describe('LlamaModel weight packing', () => {
  it('gives the logits of the unpacked weights up to summation order, and reports memory', async () => {
    const packed = await LlamaModel.load(goldenModelPath('Q4_0'), { threads: 2, kvBlocks: 4 });
    const plain = await LlamaModel.load(goldenModelPath('Q4_0'), { threads: 2, kvBlocks: 4, packWeights: false });
    try {
      const batch = () => sequenceBatch(packed, [510, 72, 101, 33, 7], 0, 0);
      const a = await packed.forward(batch());
      const b = await plain.forward(batch());
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      // Last-bit differences flip int8 activation roundings downstream.
      expect(maxDiff).toBeLessThan(0.15);
      expect(plain.memory.packedBytes).toBe(0);
      expect(packed.memory.mappedBytes).toBeGreaterThan(0);
      expect(packed.memory.scratchBytes).toBeGreaterThan(0);
      // Packing copies at most every matmul weight once.
      expect(packed.memory.packedBytes).toBeLessThanOrEqual(packed.memory.mappedBytes);
    } finally {
      packed.close();
      plain.close();
    }
  });
});
