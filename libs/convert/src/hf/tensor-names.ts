// Hugging Face llama-family tensor names -> GGUF names (llama.cpp's
// LLM_TENSOR_NAMES for the dense llama graph), plus which rows need the
// RoPE permutation.

export type PermuteKind = 'none' | 'q' | 'k';

export interface MappedName {
  readonly gguf: string;
  /** Layer index for blk.N tensors; -1 for the global ones. */
  readonly layer: number;
  readonly permute: PermuteKind;
}

const GLOBAL: Record<string, string> = {
  'model.embed_tokens.weight': 'token_embd.weight',
  'model.norm.weight': 'output_norm.weight',
  'lm_head.weight': 'output.weight',
};

const PER_LAYER: Record<string, [string, PermuteKind]> = {
  'input_layernorm.weight': ['attn_norm.weight', 'none'],
  'self_attn.q_proj.weight': ['attn_q.weight', 'q'],
  'self_attn.q_proj.bias': ['attn_q.bias', 'q'],
  'self_attn.k_proj.weight': ['attn_k.weight', 'k'],
  'self_attn.k_proj.bias': ['attn_k.bias', 'k'],
  'self_attn.v_proj.weight': ['attn_v.weight', 'none'],
  'self_attn.v_proj.bias': ['attn_v.bias', 'none'],
  'self_attn.o_proj.weight': ['attn_output.weight', 'none'],
  'self_attn.o_proj.bias': ['attn_output.bias', 'none'],
  'post_attention_layernorm.weight': ['ffn_norm.weight', 'none'],
  'mlp.gate_proj.weight': ['ffn_gate.weight', 'none'],
  'mlp.up_proj.weight': ['ffn_up.weight', 'none'],
  'mlp.down_proj.weight': ['ffn_down.weight', 'none'],
};

/** Names HF checkpoints carry that hold no weights (recomputed at load time). */
const SKIPPED = /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/;

const LAYER = /^model\.layers\.(\d+)\.(.+)$/;

/** The GGUF name of an HF tensor, null for tensors to drop, undefined when unknown. */
export function mapTensorName(hf: string): MappedName | null | undefined {
  if (SKIPPED.test(hf)) return null;
  const g = GLOBAL[hf];
  if (g) return { gguf: g, layer: -1, permute: 'none' };
  const m = LAYER.exec(hf);
  if (!m) return undefined;
  const rule = PER_LAYER[m[2]];
  if (!rule) return undefined;
  const layer = Number(m[1]);
  return { gguf: `blk.${layer}.${rule[0]}`, layer, permute: rule[1] };
}

const IN_LAYER_ORDER = [
  'attn_norm',
  'attn_q',
  'attn_k',
  'attn_v',
  'attn_output',
  'ffn_norm',
  'ffn_gate',
  'ffn_up',
  'ffn_down',
];

/**
 * Output order: token_embd, then each layer (norm, q, k, v, output, ffn norm,
 * gate, up, down; weight before bias), then output_norm and output. This is
 * the order of the reference's own llama files, independent of shard layout.
 */
export function ggufTensorRank(name: string): [number, number, number] {
  if (name.startsWith('token_embd.')) return [-1, 0, 0];
  if (name.startsWith('output_norm.')) return [1e9, 0, 0];
  if (name.startsWith('output.')) return [1e9, 1, 0];
  const m = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/.exec(name);
  if (!m) return [1e9 + 1, 0, 0];
  const idx = IN_LAYER_ORDER.indexOf(m[2]);
  return [Number(m[1]), idx < 0 ? IN_LAYER_ORDER.length : idx, m[3] === 'weight' ? 0 : 1];
}

export function compareGgufNames(a: string, b: string): number {
  const ra = ggufTensorRank(a);
  const rb = ggufTensorRank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
  return a < b ? -1 : a > b ? 1 : 0;
}
