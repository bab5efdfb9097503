// forwardAndSample runs a step and samples its logit rows in one native call;
// it must give what forward() followed by sampleRows() gives, for every kind
// of request the engine makes.
import { sequenceBatch } from './generate-greedy';
import { LlamaModel } from './llama-model';
import { RowSampling, SampleRow, sampleRows } from './sampling';
import { goldenModelPath } from './test-utils/golden';

const GREEDY: RowSampling = { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0 };

describe('LlamaModel.forwardAndSample', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await LlamaModel.load(goldenModelPath('Q4_0'), { threads: 2, kvBlocks: 8, blockSize: 16 });
  });
  afterAll(() => model.close());

  /** Three logit rows (two of the same token) of a fresh 5-token prompt. */
  const batch = () => {
    const b = sequenceBatch(model, [510, 72, 101, 44, 9], 0, 0);
    b.logitRows = Int32Array.of(4, 1, 4);
    return b;
  };

  const requests: SampleRow[] = [
    { row: 0, params: GREEDY, seed: 0 },
    { row: 1, params: GREEDY, seed: 0, topLogprobs: 5 },
    { row: 2, params: { ...GREEDY, temperature: 0.8, topK: 40, topP: 0.9 }, seed: 7, step: 3 },
    { row: 0, params: { ...GREEDY, temperature: 1.2, minP: 0.02 }, seed: 123456789012, step: 0, topLogprobs: 2 },
    { row: 1, params: { ...GREEDY, repetitionPenalty: 1.3, presencePenalty: 0.5, frequencyPenalty: 0.25 }, history: [510, 72, 72, 9], seed: 1 },
  ];

  it('gives the logits of forward() and the draws of sampleRows() on them', async () => {
    const logits = await model.forward(batch());
    const expected = await sampleRows(logits, model.nVocab, requests);
    const into = new Float32Array(4 * model.nVocab);
    const fused = await model.forwardAndSample(batch(), requests, into);
    expect(fused.logits).toEqual(logits);
    expect(fused.logits.buffer).toBe(into.buffer);
    expect(fused.sampled).toEqual(expected);
    // The requests differ, so the comparison above is not of five copies of one answer.
    expect(new Set(expected.map((r) => r.token)).size).toBeGreaterThan(1);
    expect(expected[1].top).toHaveLength(5);
    // Without an output array, the logits come in a new one.
    const fresh = await model.forwardAndSample(batch(), requests.slice(0, 1));
    expect(fresh.logits).toEqual(logits);
    expect(fresh.sampled).toEqual(expected.slice(0, 1));
  });

  it('refuses requests for rows the batch does not return, in the wrapper and in the addon', async () => {
    await expect(model.forwardAndSample(batch(), [{ row: 3, params: GREEDY, seed: 0 }])).rejects.toMatchObject({ name: 'RuntimeError', code: 'EINVAL' });
    const handle = (model as unknown as { handle: { forward(b: unknown, into: unknown, sample: unknown): Promise<unknown> } }).handle;
    const sample = (rows: number[]) => ({
      params: new Float32Array(8 * rows.length),
      rng: new Uint32Array(3 * rows.length),
      history: new Int32Array(0),
      historyStarts: new Int32Array(rows.length + 1),
      rows: Int32Array.from(rows),
    });
    expect(() => handle.forward(batch(), undefined, sample([3]))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => handle.forward(batch(), undefined, { ...sample([0]), rows: [0] })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => handle.forward(batch(), undefined, { ...sample([0, 1]), params: new Float32Array(8) })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    // The model is not left busy by a refused call.
    await expect(model.forwardAndSample(batch(), [{ row: 2, params: GREEDY, seed: 0 }])).resolves.toMatchObject({ sampled: [expect.anything()] });
  });
});
