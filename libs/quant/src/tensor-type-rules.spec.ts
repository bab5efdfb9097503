import { GGMLType as T } from '@tessera/native';
import { QuantError } from './errors';
import { DenseLlamaShape, denseLlamaModelInfo, denseLlamaTensors } from './llama-shape';
import { tensorAllowsQuantization, tensorCategory, TensorCategory } from './tensor-category';
import { compareTensorNames, layerOfTensorName } from './tensor-order';
import { fallbackType, planTensorTypes, PlannedTensor, TypeRuleOptions, useMoreBits } from './tensor-type-rules';

const LLAMA3_8B: DenseLlamaShape = { layers: 32, embd: 4096, ffn: 14336, heads: 32, kvHeads: 8, vocab: 128256 };

function plan(shape: DenseLlamaShape, preset: string, options: TypeRuleOptions = {}): Map<string, T> {
  const planned = planTensorTypes(denseLlamaTensors(shape), denseLlamaModelInfo(shape), preset, options);
  return new Map(planned.map((p) => [p.name, p.toType]));
}

/** Every 2-D weight gets `base`, norms stay F32, then the listed exceptions. */
function expected(shape: DenseLlamaShape, base: T, exceptions: Record<string, T>): Map<string, T> {
  const m = new Map<string, T>();
  for (const t of denseLlamaTensors(shape)) m.set(t.name, t.dims.length === 1 ? T.F32 : base);
  for (const [name, type] of Object.entries(exceptions)) {
    if (!m.has(name)) throw new Error(`test table names unknown tensor ${name}`);
    m.set(name, type);
  }
  return m;
}

function perLayer(layers: number[], tensor: string, type: T): Record<string, T> {
  return Object.fromEntries(layers.map((i) => [`blk.${i}.${tensor}.weight`, type]));
}

describe('use_more_bits', () => {
  const set = (n: number) => [...Array(n).keys()].filter((i) => useMoreBits(i, n));
  it('picks the reference layers for 32 and 28 layers', () => {
    expect(set(32)).toEqual([0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]);
    expect(set(28)).toEqual([0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27]);
  });
  it('handles tiny layer counts with C integer division', () => {
    expect(set(2)).toEqual([1]);
    expect(set(1)).toEqual([0]);
  });
});

describe('tensor order and categories', () => {
  it('sorts by layer number (non-layer tensors first), then by bytes', () => {
    const names = ['blk.10.attn_q.weight', 'token_embd.weight', 'blk.2.ffn_up.weight', 'output.weight', 'blk.2.attn_k.weight', 'output_norm.weight'];
    expect([...names].sort(compareTensorNames)).toEqual([
      'output.weight',
      'output_norm.weight',
      'token_embd.weight',
      'blk.2.attn_k.weight',
      'blk.2.ffn_up.weight',
      'blk.10.attn_q.weight',
    ]);
    expect(layerOfTensorName('blk.17.ffn_down.weight')).toBe(17);
    expect(layerOfTensorName('blkx.1.a')).toBe(-1);
  });

  it('categorises like the reference, fused attention tensors counting as attn_v', () => {
    expect(tensorCategory('blk.0.attn_qkv.weight')).toBe(TensorCategory.AttentionV);
    expect(tensorCategory('blk.0.attn_kv_b.weight')).toBe(TensorCategory.AttentionV);
    expect(tensorCategory('blk.0.attn_output.weight')).toBe(TensorCategory.AttentionOutput);
    expect(tensorCategory('blk.0.ffn_down_exps.weight')).toBe(TensorCategory.FfnDown);
    expect(tensorCategory('per_layer_token_embd.weight')).toBe(TensorCategory.TokenEmbedding);
    expect(tensorCategory('rope_freqs.weight')).toBe(TensorCategory.Other);
  });

  it('never quantizes norms, 1-D tensors, routers or non-weights', () => {
    expect(tensorAllowsQuantization('blk.0.attn_q.weight', [64, 64])).toBe(true);
    expect(tensorAllowsQuantization('blk.0.attn_norm.weight', [64, 64])).toBe(false);
    expect(tensorAllowsQuantization('blk.0.attn_q.weight', [64, 1])).toBe(false);
    expect(tensorAllowsQuantization('blk.0.attn_q.bias', [64, 64])).toBe(false);
    expect(tensorAllowsQuantization('blk.0.ffn_gate_inp.weight', [64, 8])).toBe(false);
    expect(tensorAllowsQuantization('output.weight', [64, 64], true)).toBe(false);
    expect(tensorAllowsQuantization('output.weight', [64, 64], false)).toBe(true);
  });
});

describe('Llama-3-8B worked example', () => {
  it('Q4_K_M: Q6_K output, Q6_K attn_v/ffn_down in the use_more_bits layers, Q4_K elsewhere', () => {
    const bumped = [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31];
    expect(plan(LLAMA3_8B, 'Q4_K_M')).toEqual(
      expected(LLAMA3_8B, T.Q4_K, {
        'output.weight': T.Q6_K,
        ...perLayer(bumped, 'attn_v', T.Q6_K),
        ...perLayer(bumped, 'ffn_down', T.Q6_K),
      }),
    );
  });

  it('returns the plan in llama-quantize order with source types', () => {
    const planned: PlannedTensor[] = planTensorTypes(denseLlamaTensors(LLAMA3_8B), denseLlamaModelInfo(LLAMA3_8B), 'Q8_0');
    expect(planned.slice(0, 5).map((p) => p.name)).toEqual([
      'output.weight',
      'output_norm.weight',
      'token_embd.weight',
      'blk.0.attn_k.weight',
      'blk.0.attn_norm.weight',
    ]);
    expect(planned.every((p) => p.fromType === T.F32)).toBe(true);
    expect(planned.find((p) => p.name === 'output.weight')?.toType).toBe(T.Q8_0);
    expect(planned.find((p) => p.name === 'blk.0.attn_norm.weight')?.quantizable).toBe(false);
  });

  it('Q2_K with n_gqa 4: attn_v Q4_K, ffn_down and attn_output Q3_K', () => {
    const all = [...Array(32).keys()];
    expect(plan(LLAMA3_8B, 'Q2_K')).toEqual(
      expected(LLAMA3_8B, T.Q2_K, {
        'output.weight': T.Q6_K,
        ...perLayer(all, 'attn_v', T.Q4_K),
        ...perLayer(all, 'ffn_down', T.Q3_K),
        ...perLayer(all, 'attn_output', T.Q3_K),
      }),
    );
  });

  it('IQ4_XS with n_gqa 4: attn_v Q5_K; ffn_down Q5_K in the first eighth only without an imatrix', () => {
    const all = [...Array(32).keys()];
    const base = { 'output.weight': T.Q6_K, ...perLayer(all, 'attn_v', T.Q5_K) };
    expect(plan(LLAMA3_8B, 'IQ4_XS')).toEqual(expected(LLAMA3_8B, T.IQ4_XS, { ...base, ...perLayer([0, 1, 2, 3], 'ffn_down', T.Q5_K) }));
    expect(plan(LLAMA3_8B, 'IQ4_XS', { imatrix: true })).toEqual(expected(LLAMA3_8B, T.IQ4_XS, base));
  });

  it('Q4_0 / Q5_0 with an imatrix use Q4_1 / Q5_1 for the first eighth of ffn_down', () => {
    const out = { 'output.weight': T.Q6_K };
    expect(plan(LLAMA3_8B, 'Q4_0')).toEqual(expected(LLAMA3_8B, T.Q4_0, out));
    expect(plan(LLAMA3_8B, 'Q4_0', { imatrix: true })).toEqual(
      expected(LLAMA3_8B, T.Q4_0, { ...out, ...perLayer([0, 1, 2, 3], 'ffn_down', T.Q4_1) }),
    );
    expect(plan(LLAMA3_8B, 'Q5_0', { imatrix: true })).toEqual(
      expected(LLAMA3_8B, T.Q5_0, { ...out, ...perLayer([0, 1, 2, 3], 'ffn_down', T.Q5_1) }),
    );
    expect(plan(LLAMA3_8B, 'Q4_1', { imatrix: true })).toEqual(expected(LLAMA3_8B, T.Q4_1, out));
  });
});

describe('70B rule', () => {
  const LLAMA_70B: DenseLlamaShape = { layers: 80, embd: 8192, ffn: 28672, heads: 64, kvHeads: 8, vocab: 128256 };
  it('bumps Q3_K/Q4_K attn_v to Q5_K', () => {
    const all = [...Array(80).keys()];
    const s = plan(LLAMA_70B, 'Q3_K_S');
    expect(s).toEqual(expected(LLAMA_70B, T.Q3_K, { 'output.weight': T.Q6_K, ...perLayer(all, 'attn_v', T.Q5_K) }));
    const m = plan(LLAMA_70B, 'Q4_K_S');
    for (const i of all) expect(m.get(`blk.${i}.attn_v.weight`)).toBe(T.Q5_K);
    // Q4_K_M's Q6_K layers stay Q6_K; the others move from Q4_K to Q5_K.
    const km = plan(LLAMA_70B, 'Q4_K_M');
    expect(km.get('blk.0.attn_v.weight')).toBe(T.Q6_K);
    expect(km.get('blk.11.attn_v.weight')).toBe(T.Q5_K);
  });
  it('does not apply without GQA', () => {
    const noGqa = { ...LLAMA_70B, kvHeads: 64 };
    expect(plan(noGqa, 'Q3_K_S').get('blk.5.attn_v.weight')).toBe(T.Q3_K);
  });
});

describe('row lengths that do not divide the block', () => {
  it('fallbackType maps each K/IQ type to its block-32 stand-in, then F16', () => {
    expect(fallbackType(T.Q4_K, 256)).toBe(T.Q4_K);
    expect(fallbackType(T.Q2_K, 576)).toBe(T.Q4_0);
    expect(fallbackType(T.Q3_K, 576)).toBe(T.Q4_0);
    expect(fallbackType(T.Q4_K, 576)).toBe(T.Q5_0);
    expect(fallbackType(T.Q5_K, 576)).toBe(T.Q5_1);
    expect(fallbackType(T.Q6_K, 576)).toBe(T.Q8_0);
    expect(fallbackType(T.IQ4_XS, 576)).toBe(T.IQ4_NL);
    expect(fallbackType(T.Q4_K, 100)).toBe(T.F16);
    expect(fallbackType(T.IQ4_XS, 48)).toBe(T.F16);
  });

  it('fails with a typed error for a block-32 type that does not divide', () => {
    expect(() => fallbackType(T.Q4_0, 100)).toThrow(QuantError);
    expect(() => fallbackType(T.Q8_0, 100)).toThrow(expect.objectContaining({ code: 'QUANT_NO_FALLBACK' }));
  });

  it('a 100-wide model falls back to F16 for K-quants and refuses Q4_0', () => {
    const odd: DenseLlamaShape = { layers: 2, embd: 100, ffn: 256, heads: 4, kvHeads: 4, vocab: 64 };
    // Row 100: Q4_K -> Q5_0 does not divide either -> F16. ffn_down rows are 256 wide and stay K-quants.
    // output: 100 % 256 != 0 -> Q8_0 by the output rule, then Q8_0 does not divide 100 -> error.
    expect(() => plan(odd, 'Q4_K_S')).toThrow(/Q8_0/);
    const withF16Output = plan(odd, 'Q4_K_S', { outputTensorType: T.F16 });
    expect(withF16Output).toEqual(
      expected(odd, T.F16, {
        'output.weight': T.F16,
        ...perLayer([0, 1], 'ffn_down', T.Q4_K),
      }),
    );
  });
});

describe('output and token embedding rules', () => {
  const MINI: DenseLlamaShape = { layers: 2, embd: 256, ffn: 512, heads: 4, kvHeads: 2, vocab: 512 };

  it('tied embeddings: token_embd takes the output rule', () => {
    const tied = { ...MINI, tiedEmbeddings: true };
    expect(plan(tied, 'Q4_K_M').get('token_embd.weight')).toBe(T.Q6_K);
    expect(plan(tied, 'Q4_0').get('token_embd.weight')).toBe(T.Q6_K);
    expect(plan(tied, 'Q8_0').get('token_embd.weight')).toBe(T.Q8_0);
    expect(plan(tied, 'Q4_K_M', { outputTensorType: T.Q5_K }).get('token_embd.weight')).toBe(T.Q5_K);
    expect(plan(tied, 'Q4_K_M', { tokenEmbeddingType: T.Q4_0 }).get('token_embd.weight')).toBe(T.Q4_0);
    expect(plan(MINI, 'Q4_K_M').get('token_embd.weight')).toBe(T.Q4_K);
  });

  it('explicit output / token embedding types win and skip the fallback', () => {
    const m = plan(MINI, 'Q4_K_M', { outputTensorType: T.Q8_0, tokenEmbeddingType: T.Q5_0 });
    expect(m.get('output.weight')).toBe(T.Q8_0);
    expect(m.get('token_embd.weight')).toBe(T.Q5_0);
  });

  it('leaveOutputTensor keeps output.weight in its input type and still counts it as untied', () => {
    const m = plan(MINI, 'Q4_K_M', { leaveOutputTensor: true });
    expect(m.get('output.weight')).toBe(T.F32);
    expect(m.get('token_embd.weight')).toBe(T.Q4_K);
  });

  it('pure: every quantizable tensor gets the default type', () => {
    expect(plan(MINI, 'Q4_K_M', { pure: true })).toEqual(expected(MINI, T.Q4_K, {}));
  });

  it('F16/BF16/F32 presets convert every quantizable weight and leave the rest', () => {
    expect(plan(MINI, 'F16')).toEqual(expected(MINI, T.F16, {}));
    expect(plan(MINI, 'BF16')).toEqual(expected(MINI, T.BF16, {}));
    expect(plan({ ...MINI, weightType: T.F16 }, 'F32')).toEqual(expected(MINI, T.F32, {}));
  });
});

describe('requantization', () => {
  const Q: DenseLlamaShape = { layers: 2, embd: 256, ffn: 512, heads: 4, kvHeads: 2, vocab: 512, weightType: T.Q8_0 };
  const run = (preset: string, options: TypeRuleOptions = {}) =>
    planTensorTypes(denseLlamaTensors(Q), denseLlamaModelInfo(Q), preset, options);

  it('is refused with a typed error unless allowed', () => {
    expect(() => run('Q4_0')).toThrow(QuantError);
    expect(() => run('Q4_0')).toThrow(/allowRequantize/);
    expect(run('Q4_0', { allowRequantize: true }).find((p) => p.name === 'blk.0.attn_q.weight')?.toType).toBe(T.Q4_0);
  });

  it('is not needed when the target equals the input type', () => {
    const planned = run('Q8_0');
    expect(planned.every((p) => p.toType === p.fromType)).toBe(true);
  });
});

describe('preset mixes on a 2-layer micro model (types read from the reference files)', () => {
  // n_gqa 2, 2 layers: use_more_bits(i, 2) is true only for layer 1; n/8 and n/16 are 0.
  const MICRO: DenseLlamaShape = { layers: 2, embd: 256, ffn: 512, heads: 4, kvHeads: 2, vocab: 512 };
  const both = [0, 1];
  const cases: Array<[string, T, Record<string, T>]> = [
    ['Q4_0', T.Q4_0, { 'output.weight': T.Q6_K }],
    ['Q4_1', T.Q4_1, { 'output.weight': T.Q6_K }],
    ['Q5_0', T.Q5_0, { 'output.weight': T.Q6_K }],
    ['Q5_1', T.Q5_1, { 'output.weight': T.Q6_K }],
    ['Q8_0', T.Q8_0, {}],
    ['Q2_K', T.Q2_K, { 'output.weight': T.Q6_K, ...perLayer(both, 'attn_v', T.Q3_K), ...perLayer(both, 'ffn_down', T.Q3_K), ...perLayer(both, 'attn_output', T.Q3_K) }],
    ['Q3_K_S', T.Q3_K, { 'output.weight': T.Q6_K }],
    ['Q3_K_M', T.Q3_K, { 'output.weight': T.Q6_K, ...perLayer(both, 'attn_v', T.Q5_K), ...perLayer(both, 'ffn_down', T.Q4_K), ...perLayer(both, 'attn_output', T.Q4_K) }],
    ['Q3_K_L', T.Q3_K, { 'output.weight': T.Q6_K, ...perLayer(both, 'attn_v', T.Q5_K), ...perLayer(both, 'ffn_down', T.Q5_K), ...perLayer(both, 'attn_output', T.Q5_K) }],
    ['Q4_K_S', T.Q4_K, { 'output.weight': T.Q6_K, ...perLayer(both, 'attn_v', T.Q5_K) }],
    ['Q4_K_M', T.Q4_K, { 'output.weight': T.Q6_K, 'blk.1.attn_v.weight': T.Q6_K, 'blk.1.ffn_down.weight': T.Q6_K }],
    ['Q5_K_S', T.Q5_K, { 'output.weight': T.Q6_K }],
    ['Q5_K_M', T.Q5_K, { 'output.weight': T.Q6_K, 'blk.1.attn_v.weight': T.Q6_K, 'blk.1.ffn_down.weight': T.Q6_K }],
    ['Q6_K', T.Q6_K, {}],
    ['IQ4_NL', T.IQ4_NL, { 'output.weight': T.Q6_K }],
    ['IQ4_XS', T.IQ4_XS, { 'output.weight': T.Q6_K }],
    ['F16', T.F16, {}],
    ['BF16', T.BF16, {}],
  ];
  it.each(cases)('%s', (preset, base, exceptions) => {
    expect(plan(MICRO, preset)).toEqual(expected(MICRO, base, exceptions));
  });
});

describe('manual tensor type overrides', () => {
  const MINI: DenseLlamaShape = { layers: 2, embd: 256, ffn: 512, heads: 4, kvHeads: 2, vocab: 512 };
  it('the first matching regex wins over the mix, and the counters only move for mixed tensors', () => {
    const m = plan(MINI, 'Q4_K_M', {
      tensorTypeOverrides: [
        { pattern: 'blk\\.0\\.attn_v', type: T.Q8_0 },
        { pattern: /attn_v/, type: T.Q5_K },
        { pattern: 'ffn_up', type: T.Q4_0 },
      ],
    });
    expect(m.get('blk.0.attn_v.weight')).toBe(T.Q8_0);
    expect(m.get('blk.1.attn_v.weight')).toBe(T.Q5_K);
    expect(m.get('blk.0.ffn_up.weight')).toBe(T.Q4_0);
    expect(m.get('blk.1.ffn_down.weight')).toBe(T.Q6_K); // untouched mix
    expect(m.get('blk.0.attn_q.weight')).toBe(T.Q4_K);
  });
  it('overridden types still fall back when the row does not divide', () => {
    const odd: DenseLlamaShape = { ...MINI, embd: 576, heads: 9, kvHeads: 3 };
    expect(plan(odd, 'Q4_0', { tensorTypeOverrides: [{ pattern: 'attn_q', type: T.Q6_K }] }).get('blk.0.attn_q.weight')).toBe(T.Q8_0);
  });
});
