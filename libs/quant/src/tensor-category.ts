// What role a tensor plays, judged by its name, and whether it may be quantized
// at all. Both follow llama-quantize (src/llama-quant.cpp) so the mix rules see
// exactly the tensors the reference sees.

export enum TensorCategory {
  TokenEmbedding = 'token_embd',
  Output = 'output',
  AttentionV = 'attn_v', // attn_v, and the fused attn_qkv / attn_kv_b that contain V
  AttentionK = 'attn_k',
  AttentionQ = 'attn_q',
  AttentionOutput = 'attn_output',
  FfnUp = 'ffn_up',
  FfnGate = 'ffn_gate',
  FfnDown = 'ffn_down',
  Other = 'other',
}

// First substring match wins; the order matters (attn_qkv before attn_q...).
const BY_SUBSTRING: ReadonlyArray<[string, TensorCategory]> = [
  ['attn_qkv.weight', TensorCategory.AttentionV],
  ['attn_kv_b.weight', TensorCategory.AttentionV],
  ['attn_v.weight', TensorCategory.AttentionV],
  ['attn_k.weight', TensorCategory.AttentionK],
  ['attn_q.weight', TensorCategory.AttentionQ],
  ['attn_output.weight', TensorCategory.AttentionOutput],
  ['ffn_up', TensorCategory.FfnUp],
  ['ffn_gate', TensorCategory.FfnGate],
  ['ffn_down', TensorCategory.FfnDown],
];

export function tensorCategory(name: string): TensorCategory {
  if (name === 'output.weight') return TensorCategory.Output;
  if (name === 'token_embd.weight' || name === 'per_layer_token_embd.weight') return TensorCategory.TokenEmbedding;
  for (const [needle, category] of BY_SUBSTRING) {
    if (name.includes(needle)) return category;
  }
  return TensorCategory.Other;
}

// Weights that stay in their input type even though they are 2-D: routers,
// positional tables, tiny recurrent/conv weights and multimodal odds and ends.
const NEVER_QUANTIZED_SUBSTRINGS = [
  '_norm.weight',
  'ffn_gate_inp.weight',
  'ffn_gate_tid2eid.weight',
  'altup',
  'laurel',
  'per_layer_model_proj',
  'ssm_conv1d',
  'shortconv.conv.weight',
  'indexer.k_proj.weight',
  'indexer.q_proj.weight',
  'time_mix_first.weight',
  'time_mix_w0.weight',
  'time_mix_w1.weight',
  'time_mix_w2.weight',
  'time_mix_v0.weight',
  'time_mix_v1.weight',
  'time_mix_v2.weight',
  'time_mix_a0.weight',
  'time_mix_a1.weight',
  'time_mix_a2.weight',
  'time_mix_g1.weight',
  'time_mix_g2.weight',
  'time_mix_decay_w1.weight',
  'time_mix_decay_w2.weight',
  'time_mix_lerp_fused.weight',
  'attn_rel_b.weight',
  '.position_embd',
  'sam.pos_embd',
  'sam.neck.',
  'sam.net_',
  '.rel_pos',
  '.patch_embd',
  '.patch_merger',
  'a.rvq.codebook',
  'mm.a.code_embd',
];
const NEVER_QUANTIZED_NAMES = new Set(['position_embd.weight', 'token_types.weight']);

/** ggml's dimension count: trailing dimensions of size 1 do not count (minimum 1). */
export function effectiveDims(dims: readonly number[]): number {
  for (let i = dims.length - 1; i > 0; i--) {
    if (dims[i] > 1) return i + 1;
  }
  return 1;
}

/** True when llama-quantize would consider changing this tensor's type. */
export function tensorAllowsQuantization(name: string, dims: readonly number[], leaveOutputTensor = false): boolean {
  if (effectiveDims(dims) < 2) return false;
  // The reference tests "ends with weight" as rfind("weight") == size - 6, which
  // with unsigned wrap-around also holds for any 5-character name.
  if (!name.endsWith('weight') && name.length !== 5) return false;
  if (leaveOutputTensor && name === 'output.weight') return false;
  if (NEVER_QUANTIZED_NAMES.has(name)) return false;
  return !NEVER_QUANTIZED_SUBSTRINGS.some((s) => name.includes(s));
}
