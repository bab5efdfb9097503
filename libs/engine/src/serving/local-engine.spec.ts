// openLocalEngine: the options a worker reads from its environment reach the
// native model, here tensorParallel, on a synthesized model with a tokenizer.

import { synthModel, type SynthModel } from '../runtime/test-utils/synth-model';
import { openLocalEngine, type LocalEngine } from './local-engine';

async function greedyTokens(local: LocalEngine, prompt: string): Promise<number[]> {
  const out: number[] = [];
  const promptTokens = local.tokenizer.encode(prompt);
  for await (const e of local.engine.generate({ id: 'g', promptTokens, params: { temperature: 0, maxTokens: 12, ignoreEos: true } })) {
    if (e.tokenId !== null) out.push(e.tokenId);
  }
  return out;
}

describe('openLocalEngine', () => {
  let synth: SynthModel;
  beforeAll(() => {
    synth = synthModel('tiny', 'f32');
  });
  afterAll(() => synth.remove());

  it('loads the model split over tensorParallel ranks, generating what one rank does', async () => {
    const one = await openLocalEngine(synth.path, { threads: 2, maxSeqs: 2, maxModelLen: 128 });
    const two = await openLocalEngine(synth.path, { threads: 2, maxSeqs: 2, maxModelLen: 128, tensorParallel: 2 });
    try {
      expect(one.model.tensorParallel).toBe(1);
      expect(two.model.tensorParallel).toBe(2);
      const prompt = 'The quick brown fox jumps over the lazy dog';
      const expected = await greedyTokens(one, prompt);
      expect(expected).toHaveLength(12);
      expect(await greedyTokens(two, prompt)).toEqual(expected);
    } finally {
      one.close();
      two.close();
    }
  });

  it('fails to load with ETENSORPARALLEL when the heads do not divide', async () => {
    await expect(openLocalEngine(synth.path, { tensorParallel: 4, maxModelLen: 64 })).rejects.toMatchObject({ code: 'ETENSORPARALLEL' });
  });
});
