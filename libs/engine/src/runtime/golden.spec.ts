// The forward pass against the reference implementation: greedy decoding of
// the golden prompts with 2 threads reproduces the reference's tokens, and
// every top-5 log-probability agrees within the tolerance (1e-3 for F32/F16,
// 2e-2 for quantized files). Where the reference's best two candidates are
// closer than the tolerance, either choice is right; that prompt's
// comparison stops after that step, since the continuations may differ.

import { generateGreedy } from './generate-greedy';
import { LlamaModel } from './llama-model';
import { goldenModelPath, GoldenPrompt, readGolden } from './test-utils/golden';

// Each file agrees only because every weight matmul rounds exactly as the
// reference's kernel for that type, batch size and machine class does (see
// TokenRounding in libs/native/cpp/matmul/matmul.h): a last-bit difference
// flips an fp16 / int8 activation rounding downstream and moves log-probs by
// up to 7e-2, far above the tolerances.
const CASES: [string, number][] = [
  ['f32', 1e-3],
  ['F16', 1e-3],
  ['Q4_0', 2e-2],
  ['Q8_0', 2e-2],
  ['Q4_K_M', 2e-2],
  ['Q6_K', 2e-2],
  ['Q2_K', 2e-2],
];
const STEPS = 16;
// Our top-N is wider than the reference's top-5 so a near-tie reordering
// still finds every reference token.
const OUR_TOP = 12;

/** Problems found for one prompt (empty: it agrees). */
async function compare(model: LlamaModel, g: GoldenPrompt, tol: number): Promise<string[]> {
  const steps = await generateGreedy(model, g.prompt_tokens, STEPS, { topLogprobs: OUR_TOP });
  const problems: string[] = [];
  for (let i = 0; i < STEPS; i++) {
    const ref = g.steps[i];
    const ours = new Map(steps[i].top.map((t) => [t.token, t.logprob]));
    for (const [token, logprob] of ref.top) {
      const got = ours.get(token);
      if (got === undefined || Math.abs(got - logprob) > tol) {
        problems.push(`step ${i}: token ${token} log-prob ${got ?? 'not in our top'} vs reference ${logprob}`);
      }
    }
    const nearTie = ref.top[0][1] - ref.top[1][1] < tol;
    if (nearTie) {
      if (steps[i].token !== ref.top[0][0] && steps[i].token !== ref.top[1][0]) problems.push(`step ${i}: chose ${steps[i].token}, reference near-tie ${ref.top[0][0]}/${ref.top[1][0]}`);
      break;
    }
    if (steps[i].token !== ref.id) {
      problems.push(`step ${i}: chose ${steps[i].token}, reference ${ref.id}`);
      break;
    }
  }
  return problems;
}

describe.each(CASES)('golden greedy decoding of micro-%s', (type, tol) => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await LlamaModel.load(goldenModelPath(type), { threads: 2, kvBlocks: 16, blockSize: 16 });
  });
  afterAll(() => model.close());

  it.each(readGolden(type).map((g) => [g.prompt, g] as const))('prompt %j', async (_name, g) => {
    expect(await compare(model, g, tol)).toEqual([]);
  });
});
