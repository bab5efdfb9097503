import { KvList } from '../gguf-kv';
import { LlamaHParams, parseLlamaConfig } from './config';
import { addHParamKeys } from './hparams-kv';
import { permutedSourceRow, permuteHeadRows, unpermuteHeadRows } from './permute';
import { LLAMA3_SPLIT_REGEX, QWEN2_SPLIT_REGEX, detectPreTokenizer } from './pre-tokenizer';
import { llama3RopeFactors } from './rope-freqs';
import { readSpecialVocab } from './special-tokens';
import { compareGgufNames, mapTensorName } from './tensor-names';
import { TokenizerFiles } from './tokenizer-files';

const BASE = {
  architectures: ['LlamaForCausalLM'],
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 128,
  rms_norm_eps: 1e-6,
  vocab_size: 300,
};

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('config.json', () => {
  it('derives head size and defaults', () => {
    const hp = parseLlamaConfig({ ...BASE, rope_theta: 500000 });
    expect(hp).toMatchObject({ arch: 'llama', permuteQK: true, headDim: 16, nHeadKv: 2, ropeTheta: 500000, tieWordEmbeddings: false });
    expect(parseLlamaConfig({ ...BASE, num_key_value_heads: undefined }).nHeadKv).toBe(4);
    expect(parseLlamaConfig({ ...BASE, architectures: ['Qwen2ForCausalLM'] })).toMatchObject({ arch: 'qwen2', permuteQK: false });
  });

  it.each([
    [{ architectures: ['BertModel'] }, 'CONVERT_UNSUPPORTED_ARCH'],
    [{ architectures: undefined }, 'CONVERT_BAD_CONFIG'],
    [{ hidden_size: 'big' }, 'CONVERT_BAD_CONFIG'],
    [{ rms_norm_eps: undefined }, 'CONVERT_BAD_CONFIG'],
    [{ num_key_value_heads: 3 }, 'CONVERT_BAD_CONFIG'],
    [{ hidden_size: 66 }, 'CONVERT_BAD_CONFIG'],
    [{ rope_scaling: { type: 'weird', factor: 2 } }, 'CONVERT_BAD_CONFIG'],
    [{ rope_scaling: { type: 'yarn', factor: 2 } }, 'CONVERT_BAD_CONFIG'],
  ])('rejects %j', (patch, expected) => {
    expect(code(() => parseLlamaConfig({ ...BASE, ...patch }))).toBe(expected);
  });

  it('writes rope scaling keys with the exact types', () => {
    const kvOf = (hp: LlamaHParams) => {
      const kv = new KvList();
      addHParamKeys(kv, hp);
      return Object.fromEntries(kv.entries().filter(([k]) => k.includes('scaling')));
    };
    expect(kvOf(parseLlamaConfig({ ...BASE, rope_scaling: { type: 'linear', factor: 4 } }))).toEqual({
      'llama.rope.scaling.type': { kind: 'string', value: 'linear' },
      'llama.rope.scaling.factor': { kind: 'f32', value: 4 },
    });
    expect(kvOf(parseLlamaConfig({ ...BASE, rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32, beta_fast: 32 } }))).toEqual({
      'llama.rope.scaling.type': { kind: 'string', value: 'yarn' },
      'llama.rope.scaling.factor': { kind: 'f32', value: 4 },
      'llama.rope.scaling.original_context_length': { kind: 'u32', value: 32 },
      'llama.rope.scaling.yarn_beta_fast': { kind: 'f32', value: 32 },
    });
    const hp = parseLlamaConfig({ ...BASE, head_dim: 32, rope_scaling: { rope_type: 'llama3', factor: 8 } });
    const kv = new KvList();
    addHParamKeys(kv, hp);
    expect(kv.get('llama.attention.key_length')).toEqual({ kind: 'u32', value: 32 });
    expect(kv.get('llama.rope.dimension_count')).toEqual({ kind: 'u32', value: 32 });
    expect(kv.has('llama.rope.scaling.type')).toBe(false);
  });

  it('computes llama3 rope factors: 1 for short wavelengths, factor for long ones', () => {
    const f = llama3RopeFactors(128, 500000, { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContextLength: 8192 });
    expect(f).toHaveLength(64);
    expect(f[0]).toBe(1);
    expect(f[63]).toBe(8);
    for (let i = 1; i < 64; i++) expect(f[i]).toBeGreaterThanOrEqual(f[i - 1]);
  });
});

describe('tensor names', () => {
  it('maps HF names to GGUF names and marks Q/K for permutation', () => {
    expect(mapTensorName('model.layers.3.self_attn.q_proj.weight')).toEqual({ gguf: 'blk.3.attn_q.weight', layer: 3, permute: 'q' });
    expect(mapTensorName('model.layers.0.self_attn.k_proj.bias')).toEqual({ gguf: 'blk.0.attn_k.bias', layer: 0, permute: 'k' });
    expect(mapTensorName('model.layers.0.mlp.down_proj.weight')?.gguf).toBe('blk.0.ffn_down.weight');
    expect(mapTensorName('lm_head.weight')?.gguf).toBe('output.weight');
    expect(mapTensorName('model.layers.0.self_attn.rotary_emb.inv_freq')).toBeNull();
    expect(mapTensorName('vision_tower.x')).toBeUndefined();
  });

  it('orders tensors like the reference llama files', () => {
    const names = ['output.weight', 'blk.1.attn_q.weight', 'output_norm.weight', 'blk.0.ffn_down.weight', 'blk.0.attn_norm.weight', 'token_embd.weight', 'blk.10.attn_k.weight', 'blk.2.attn_k.weight'];
    expect([...names].sort(compareGgufNames)).toEqual([
      'token_embd.weight',
      'blk.0.attn_norm.weight',
      'blk.0.ffn_down.weight',
      'blk.1.attn_q.weight',
      'blk.2.attn_k.weight',
      'blk.10.attn_k.weight',
      'output_norm.weight',
      'output.weight',
    ]);
  });
});

describe('Q/K permutation', () => {
  it('pairs row i with row i + D/2 inside each head and inverts exactly', () => {
    // D = 4: GGUF rows (0,1,2,3) come from HF rows (0,2,1,3).
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((r) => permutedSourceRow(r, 4))).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
    const src = Uint8Array.from({ length: 8 * 3 }, (_, i) => i);
    const p = permuteHeadRows(src, 4, 3);
    expect(Array.from(p.subarray(3, 6))).toEqual([6, 7, 8]);
    expect(Array.from(unpermuteHeadRows(p, 4, 3))).toEqual(Array.from(src));
    expect(() => permuteHeadRows(src, 3, 3)).toThrow(RangeError);
  });
});

describe('pre-tokenizer detection', () => {
  const split = (re: string) => ({ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: re } }, { type: 'ByteLevel', use_regex: false }] } });
  it('recognises Llama 3, Qwen2, GPT-2 and SmolLM pre-tokenizers', () => {
    expect(detectPreTokenizer(split(LLAMA3_SPLIT_REGEX))).toBe('llama-bpe');
    expect(detectPreTokenizer(split(QWEN2_SPLIT_REGEX))).toBe('qwen2');
    expect(detectPreTokenizer({ pre_tokenizer: { type: 'ByteLevel', use_regex: true } })).toBe('default');
    expect(detectPreTokenizer({ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, { type: 'ByteLevel' }] } })).toBe('smollm');
  });
  it('refuses to guess an unknown one', () => {
    expect(code(() => detectPreTokenizer(split('\\w+')))).toBe('CONVERT_UNSUPPORTED_TOKENIZER');
  });
});

describe('special tokens', () => {
  const hp = parseLlamaConfig({ ...BASE, bos_token_id: 5, eos_token_id: 6 });
  const files = (tokenizer: Record<string, unknown>, config?: Record<string, unknown>): TokenizerFiles => ({
    tokenizer,
    model: {},
    addedTokens: [
      { id: 1, content: '<s>', special: true },
      { id: 2, content: '</s>', special: true },
    ],
    config,
  });

  it('takes ids from tokenizer_config names, flags from the config, falls back to config.json', () => {
    const sv = readSpecialVocab(files({}, { bos_token: '<s>', eos_token: { content: '</s>' }, add_bos_token: true, add_eos_token: false, chat_template: 'T' }), hp, 300);
    expect([...sv.ids]).toEqual([['bos', 1], ['eos', 2]]);
    expect([...sv.add]).toEqual([['bos', true], ['eos', false]]);
    expect(sv.chatTemplates).toEqual([{ name: null, template: 'T' }]);
    const fallback = readSpecialVocab(files({}), hp, 300);
    expect([...fallback.ids]).toEqual([['bos', 5], ['eos', 6]]);
  });

  it('reads add_bos from a TemplateProcessing post-processor and named chat templates', () => {
    const tokenizer = { post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>' } }, { Sequence: { id: 'A' } }] } };
    const sv = readSpecialVocab(files(tokenizer, { bos_token: '<s>', chat_template: [{ name: 'default', template: 'A' }, { name: 'tool_use', template: 'B' }] }), hp, 300);
    expect(sv.add.get('bos')).toBe(true);
    expect(sv.chatTemplates).toEqual([{ name: null, template: 'A' }, { name: 'tool_use', template: 'B' }]);
  });

  it('ignores ids outside the vocabulary', () => {
    const sv = readSpecialVocab(files({}), parseLlamaConfig({ ...BASE, bos_token_id: 999 }), 300);
    expect(sv.ids.has('bos')).toBe(false);
  });
});
